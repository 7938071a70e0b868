/**
 * Files that hold secrets by their nature: we skip them whole rather than trust the scrubber with them.
 * Each pattern is tested against the lower-cased repo-relative POSIX path.
 */
interface SecretFileRule {
  pattern: RegExp;
  why: string;
}

const SECRET_FILE_RULES: readonly SecretFileRule[] = [
  {
    pattern: /(?:^|\/)\.env(?:\.[^/]*)?$/,
    why: "dotenv files; .env.example too, because copies filled with real values get committed under that name",
  },
  { pattern: /(?:^|\/)\.envrc$/, why: "direnv scripts export the same variables as .env" },
  {
    pattern: /\.(?:pem|key|p8|ppk)$/,
    why: "PEM, PKCS#8 and PuTTY keys; a .pem may be a certificate, but keys hide under that name too",
  },
  { pattern: /\.(?:p12|pfx|jks|keystore|kdbx)$/, why: "PKCS#12, Java keystores and KeePass databases" },
  {
    pattern: /(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)[^/]*$/,
    why: "SSH keys; .pub files too, as they sit beside the private half",
  },
  {
    pattern: /(?:^|\/)(?:\.npmrc|\.pypirc|\.netrc|_netrc|\.htpasswd|\.pgpass|\.git-credentials)$/,
    why: "registry, FTP, database and git tokens or password hashes",
  },
  {
    pattern: /(?:^|\/)credentials[^/]*$/,
    why: "credentials files of any extension, including ~/.aws/credentials",
  },
  {
    pattern: /(?:^|\/)\.aws\/credentials$/,
    why: "AWS CLI keys (also caught above; listed so the table says so)",
  },
  {
    pattern: /secret[^/]*\.(?:json|ya?ml|toml)$/,
    why: "Kubernetes Secrets, OAuth client_secret.json, Streamlit secrets.toml",
  },
  { pattern: /(?:^|\/)service[-_]?account[^/]*\.json$/, why: "Google Cloud service-account keys" },
  { pattern: /(?:^|\/)\.docker\/config\.json$/, why: "Docker registry auth" },
  { pattern: /\.tfvars(?:\.json)?$/, why: "Terraform variables are where provider credentials go" },
  { pattern: /\.tfstate(?:\.backup)?$/, why: "Terraform state stores every resource's secrets in clear" },
];

/** True when the file at `path` (repo-relative, POSIX) must never be read into training data. */
export function isSecretPath(path: string): boolean {
  const lower = path.toLowerCase();
  return SECRET_FILE_RULES.some((rule) => rule.pattern.test(lower));
}
