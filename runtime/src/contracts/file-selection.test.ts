import { describe, expect, it } from "vitest";
import { isSecretPath } from "./file-selection.ts";

const secretPaths: [description: string, path: string][] = [
  ["dotenv at the root", ".env"],
  ["dotenv in a package", "packages/api/.env.local"],
  ["dotenv example (skipped too)", ".env.example"],
  ["direnv", ".envrc"],
  ["PEM key", "certs/server.pem"],
  ["bare key", "config/ssl/private.key"],
  ["PKCS#12", "ios/dist.p12"],
  ["PFX", "deploy/site.PFX"],
  ["Java keystore", "android/app/release.jks"],
  ["Android keystore", "android/debug.keystore"],
  ["SSH key", "deploy/id_rsa"],
  ["SSH public key beside it", "deploy/id_ed25519.pub"],
  ["ECDSA SSH key", "id_ecdsa"],
  ["npm config", ".npmrc"],
  ["PyPI config", "tools/.pypirc"],
  ["netrc", ".netrc"],
  ["htpasswd", "web/.htpasswd"],
  ["git credentials", ".git-credentials"],
  ["credentials of any extension", "config/credentials.yml.enc"],
  ["AWS CLI credentials", ".aws/credentials"],
  ["secrets JSON", "k8s/db-secrets.json"],
  ["OAuth client secret", "client_secret_123.apps.googleusercontent.com.json"],
  ["secret YAML", "deploy/Secret.YAML"],
  ["service account", "gcp/service-account-prod.json"],
  ["Docker auth", "ci/.docker/config.json"],
  ["Terraform variables", "infra/prod.tfvars"],
  ["Terraform state", "infra/terraform.tfstate"],
  ["Terraform state backup", "infra/terraform.tfstate.backup"],
];

const ordinaryPaths: [description: string, path: string][] = [
  ["entry point", "src/index.ts"],
  ["env helper module", "lib/env.ts"],
  ["environment config in code", "config/environment.py"],
  ["token definitions", "tokens.ts"],
  ["secret handling code", "src/secret.ts"],
  ["environment folder", "env/main.go"],
  ["a .env-prefixed name that is not dotenv", "src/.envelope.ts"],
  ["secrets folder with code", "secrets/index.ts"],
  ["keys module", "src/keys.json"],
  ["Docker config elsewhere", "config.json"],
  ["Terraform code", "infra/main.tf"],
];

describe("isSecretPath", () => {
  it.each(secretPaths)("skips %s: %s", (_description, path) => {
    expect(isSecretPath(path)).toBe(true);
  });

  it.each(ordinaryPaths)("keeps %s: %s", (_description, path) => {
    expect(isSecretPath(path)).toBe(false);
  });
});
