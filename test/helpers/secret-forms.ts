/**
 * Secrets planted in every form the scrubber must recognise, and near-misses it must leave alone. Each form
 * is a whole small file of its type, rendered around a secret value, so the same table drives the unit
 * test (scrub one file) and the dataset test (commit the files, build, search every output byte).
 */
import type { SecretKind } from "../../generator/src/secrets/index.ts";
import { mulberry32 } from "../../runtime/src/util/random.ts";

export interface SecretForm {
  description: string;
  /** Repo-relative path of the file the form lives in (names no secret-path rule skips). */
  path: string;
  /** The file's text with `secret` planted. */
  render(secret: string): string;
  /** What must stay in the scrubbed text: the key (or call) that says where the secret was. */
  keeps: string;
  kind: SecretKind;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * `count` distinct random-looking values, 24–31 characters over [A-Za-z0-9], each with upper case, lower
 * case and a digit (what generated keys look like).
 */
export function secretValues(count: number, seed: number): string[] {
  const random = mulberry32(seed); // deterministic: a failure names the same value every run
  const values = new Set<string>();
  while (values.size < count) {
    const length = 24 + Math.floor(random() * 8);
    let value = "";
    for (let i = 0; i < length; i++) value += ALPHABET[Math.floor(random() * ALPHABET.length)];
    if (/[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value)) values.add(value);
  }
  return [...values];
}

const form = (
  description: string,
  path: string,
  keeps: string,
  kind: SecretKind,
  render: (secret: string) => string,
): SecretForm => ({ description, path, keeps, kind, render });

export const SECRET_FORMS: readonly SecretForm[] = [
  // YAML
  form("YAML nested key", "config/database.yaml", "password:", "generic_secret", (s) =>
    ["db:", "  host: db.internal", "  port: 5432", `  password: ${s}`, ""].join("\n"),
  ),
  form("YAML top-level api_key", "config/app.yml", "api_key:", "generic_secret", (s) =>
    ["name: orders", `api_key: ${s}`, "retries: 3", ""].join("\n"),
  ),
  form("YAML list item", "deploy/tokens.yml", "- token:", "generic_secret", (s) =>
    ["services:", "  - name: billing", `  - token: ${s}`, ""].join("\n"),
  ),
  form("YAML quoted client_secret", "config/oauth.yaml", "client_secret:", "generic_secret", (s) =>
    ["oauth:", "  client_id: orders-web", `  client_secret: "${s}"`, ""].join("\n"),
  ),
  form("GitHub Actions env", ".github/workflows/release.yml", "NPM_TOKEN:", "generic_secret", (s) =>
    ["jobs:", "  publish:", "    env:", `      NPM_TOKEN: ${s}`, "    steps: []", ""].join("\n"),
  ),
  form("docker-compose environment list", "docker-compose.yml", "POSTGRES_PASSWORD=", "generic_secret", (s) =>
    ["services:", "  db:", "    environment:", `      - POSTGRES_PASSWORD=${s}`, ""].join("\n"),
  ),
  form(
    "docker-compose URL with credentials",
    "compose.override.yml",
    "postgres://app:",
    "url_password",
    (s) =>
      [
        "services:",
        "  api:",
        "    environment:",
        `      DATABASE_URL: postgres://app:${s}@db:5432/app`,
        "",
      ].join("\n"),
  ),
  // TOML
  form("TOML quoted password", "config/app.toml", "password =", "generic_secret", (s) =>
    ["[database]", 'user = "app"', `password = "${s}"`, ""].join("\n"),
  ),
  form("TOML section secret_key", "config/payments.toml", "secret_key =", "generic_secret", (s) =>
    ["[stripe]", `secret_key = '${s}'`, ""].join("\n"),
  ),
  // INI
  form("INI aws_secret_access_key", "config/aws.ini", "aws_secret_access_key =", "generic_secret", (s) =>
    ["[default]", "region = eu-west-1", `aws_secret_access_key = ${s}`, ""].join("\n"),
  ),
  form("INI db_password without spaces", "setup.cfg", "db_password=", "generic_secret", (s) =>
    ["[app]", `db_password=${s}`, ""].join("\n"),
  ),
  form("INI colon separator", "config/service.ini", "token :", "generic_secret", (s) =>
    ["[auth]", `token : ${s}`, ""].join("\n"),
  ),
  // .properties
  form(
    "properties spring.datasource.password",
    "src/main/resources/application.properties",
    "spring.datasource.password=",
    "generic_secret",
    (s) =>
      ["spring.datasource.url=jdbc:postgresql://db/app", `spring.datasource.password=${s}`, ""].join("\n"),
  ),
  form("properties with colon", "conf/jwt.properties", "app.jwt.secret:", "generic_secret", (s) =>
    [`app.jwt.secret: ${s}`, "app.jwt.ttl=3600", ""].join("\n"),
  ),
  form("properties with spaces", "conf/mail.properties", "mail.smtp.password =", "generic_secret", (s) =>
    ["mail.smtp.host = smtp.internal", `mail.smtp.password = ${s}`, ""].join("\n"),
  ),
  // shell
  form("shell export", "scripts/deploy.sh", "export API_TOKEN=", "generic_secret", (s) =>
    ["#!/bin/sh", `export API_TOKEN=${s}`, 'curl -H "x: $API_TOKEN" https://api.internal', ""].join("\n"),
  ),
  form("shell plain assignment", "scripts/env.sh", "TOKEN=", "generic_secret", (s) =>
    ["#!/bin/bash", `TOKEN=${s}`, 'echo "$TOKEN" > /dev/null', ""].join("\n"),
  ),
  form("shell export, double-quoted", "scripts/db.sh", "export DB_PASSWORD=", "generic_secret", (s) =>
    ["#!/bin/sh", `export DB_PASSWORD="${s}"`, ""].join("\n"),
  ),
  form("shell default expansion", "scripts/start.sh", "${GITHUB_SECRET:-", "env_default_secret", (s) =>
    ["#!/bin/sh", `SECRET="\${GITHUB_SECRET:-${s}}"`, 'exec app --secret "$SECRET"', ""].join("\n"),
  ),
  form("git remote URL with credentials", "scripts/mirror.sh", "https://deploy:", "url_password", (s) =>
    ["#!/bin/sh", `git clone https://deploy:${s}@git.internal/org/repo.git`, ""].join("\n"),
  ),
  form(
    "Makefile ?= assignment (no keyword needed)",
    "Makefile",
    "RELEASE_SEED ?=",
    "high_entropy_string",
    (s) => [`RELEASE_SEED ?= ${s}`, "", "release:", "\t./release.sh $(RELEASE_SEED)", ""].join("\n"),
  ),
  // Dockerfile
  form("Dockerfile ENV key=value", "Dockerfile", "ENV SECRET_KEY=", "generic_secret", (s) =>
    ["FROM python:3.12-slim", `ENV SECRET_KEY=${s}`, 'CMD ["gunicorn", "app:wsgi"]', ""].join("\n"),
  ),
  form("Dockerfile ARG", "docker/build.Dockerfile", "ARG NPM_AUTH_TOKEN=", "generic_secret", (s) =>
    ["FROM node:22", `ARG NPM_AUTH_TOKEN=${s}`, "RUN npm ci", ""].join("\n"),
  ),
  form(
    "Dockerfile legacy ENV key value",
    "docker/api.Dockerfile",
    "ENV API_PASSWORD ",
    "generic_secret",
    (s) => ["FROM alpine:3.20", `ENV API_PASSWORD ${s}`, ""].join("\n"),
  ),
  form(
    "Dockerfile ENV with several pairs",
    "docker/web.Dockerfile",
    "SESSION_SECRET=",
    "generic_secret",
    (s) => ["FROM nginx:1.27", `ENV APP_ENV=production SESSION_SECRET=${s}`, ""].join("\n"),
  ),
  // JSON
  form(
    "JSON password",
    "config/db.json",
    '"password":',
    "generic_secret",
    (s) => `{\n  "user": "app",\n  "password": "${s}"\n}\n`,
  ),
  form(
    "JSON nested apiKey",
    "config/maps.json",
    '"apiKey":',
    "generic_secret",
    (s) => `{\n  "maps": {\n    "apiKey": "${s}"\n  }\n}\n`,
  ),
  form(
    "JSON array value, no key",
    "config/allowlist.json",
    '"allowed":',
    "high_entropy_string",
    (s) => `{\n  "allowed": ["${s}"]\n}\n`,
  ),
  form(
    "JSON connection string",
    "appsettings.json",
    "Password=",
    "high_entropy_string",
    (s) => `{\n  "ConnectionStrings": { "Main": "Server=db;User Id=sa;Password=${s};" }\n}\n`,
  ),
  // Python
  form("Python constant", "app/settings.py", "DB_PASSWORD =", "generic_secret", (s) =>
    ["import os", "", `DB_PASSWORD = "${s}"`, ""].join("\n"),
  ),
  form(
    "Python os.getenv default, plain variable name",
    "app/client.py",
    'os.getenv("SERVICE_X",',
    "env_default_secret",
    (s) => ["import os", "", `KEY = os.getenv("SERVICE_X", "${s}")`, ""].join("\n"),
  ),
  form(
    "Python os.environ.get default",
    "app/auth.py",
    'os.environ.get("API_TOKEN",',
    "env_default_secret",
    (s) => ["import os", "", `token = os.environ.get("API_TOKEN", '${s}')`, ""].join("\n"),
  ),
  form("Python keyword argument", "app/db.py", "password=", "generic_secret", (s) =>
    ["def connect_db(connect):", `    return connect(host="db", password='${s}')`, ""].join("\n"),
  ),
  form("Python redis URL", "app/cache.py", "redis://:", "url_password", (s) =>
    [`REDIS_URL = "redis://:${s}@cache:6379/0"`, ""].join("\n"),
  ),
  // JavaScript / TypeScript
  form("TypeScript const apiKey", "src/payments.ts", "const apiKey =", "generic_secret", (s) =>
    [`const apiKey = "${s}";`, "export function key(): string {", "  return apiKey;", "}", ""].join("\n"),
  ),
  form("process.env ?? default", "src/stripe.ts", "process.env.STRIPE_KEY ??", "env_default_secret", (s) =>
    [`export const stripeKey = process.env.STRIPE_KEY ?? "${s}";`, ""].join("\n"),
  ),
  form(
    "process.env || default",
    "src/session.js",
    "process.env.SESSION_SECRET ||",
    "env_default_secret",
    (s) =>
      [
        `const sessionSecret = process.env.SESSION_SECRET || '${s}';`,
        "module.exports = { sessionSecret };",
        "",
      ].join("\n"),
  ),
  form("template literal in an object", "src/oauth.ts", "clientSecret:", "generic_secret", (s) =>
    ["export const config = {", "  auth: {", `    clientSecret: \`${s}\`,`, "  },", "};", ""].join("\n"),
  ),
  form(
    "constant with no keyword in its name",
    "src/build-info.ts",
    "BUILD_SEED =",
    "high_entropy_string",
    (s) => [`export const BUILD_SEED = "${s}";`, ""].join("\n"),
  ),
  form("bare literal argument", "src/analytics.js", "init(", "high_entropy_string", (s) =>
    [`analytics.init("${s}", { batch: true });`, ""].join("\n"),
  ),
  // Java / Kotlin / C#
  form("Java static final", "src/main/java/app/Keys.java", "API_KEY =", "generic_secret", (s) =>
    ["package app;", "", "class Keys {", `  private static final String API_KEY = "${s}";`, "}", ""].join(
      "\n",
    ),
  ),
  form("Java getenv getOrDefault", "src/main/java/app/Env.java", "getOrDefault(", "env_default_secret", (s) =>
    [
      "package app;",
      "",
      "class Env {",
      `  static String token() { return System.getenv().getOrDefault("PAYMENT_TOKEN", "${s}"); }`,
      "}",
      "",
    ].join("\n"),
  ),
  form(
    "Java getProperty default",
    "src/main/java/app/Db.java",
    'getProperty("db.password",',
    "env_default_secret",
    (s) =>
      [
        "package app;",
        "",
        "class Db {",
        `  static String pw = System.getProperty("db.password", "${s}");`,
        "}",
        "",
      ].join("\n"),
  ),
  form("Kotlin elvis default", "src/main/kotlin/Config.kt", "?:", "env_default_secret", (s) =>
    [`val apiToken = System.getenv("API_TOKEN") ?: "${s}"`, ""].join("\n"),
  ),
  form("C# property", "src/Settings.cs", "ClientSecret =", "generic_secret", (s) =>
    ["class Settings {", `  public string ClientSecret = "${s}";`, "}", ""].join("\n"),
  ),
  // Go
  form("Go short declaration", "cmd/api/main.go", "apiKey :=", "generic_secret", (s) =>
    ["package main", "", "func key() string {", `\tapiKey := "${s}"`, "\treturn apiKey", "}", ""].join("\n"),
  ),
  form("Go typed var", "cmd/api/auth.go", "var authToken string =", "generic_secret", (s) =>
    ["package main", "", `var authToken string = "${s}"`, ""].join("\n"),
  ),
  form("Go cmp.Or with os.Getenv", "cmd/api/env.go", 'os.Getenv("API_SECRET"),', "env_default_secret", (s) =>
    [
      "package main",
      "",
      'import ("cmp"; "os")',
      "",
      `var secret = cmp.Or(os.Getenv("API_SECRET"), "${s}")`,
      "",
    ].join("\n"),
  ),
  // Rust
  form("Rust &str constant", "src/keys.rs", "const API_KEY: &str =", "generic_secret", (s) =>
    [`pub const API_KEY: &str = "${s}";`, ""].join("\n"),
  ),
  // Ruby
  form(
    "Ruby ENV.fetch default",
    "config/initializers/app.rb",
    'ENV.fetch("SECRET_KEY_BASE",',
    "env_default_secret",
    (s) => [`SECRET = ENV.fetch("SECRET_KEY_BASE", "${s}")`, ""].join("\n"),
  ),
  form("Ruby ENV[] || default", "lib/client.rb", 'ENV["API_TOKEN"] ||', "env_default_secret", (s) =>
    [`TOKEN = ENV["API_TOKEN"] || '${s}'`, ""].join("\n"),
  ),
  form("Ruby attribute writer", "config/initializers/maps.rb", "config.api_key =", "generic_secret", (s) =>
    ["Maps.configure do |config|", `  config.api_key = '${s}'`, "end", ""].join("\n"),
  ),
  // PHP
  form("PHP array key", "config/mail.php", "'password' =>", "generic_secret", (s) =>
    ["<?php", "return [", "    'host' => 'smtp.internal',", `    'password' => '${s}',`, "];", ""].join("\n"),
  ),
  form("PHP env() default", "config/services.php", "env('MAIL_PASSWORD',", "env_default_secret", (s) =>
    ["<?php", `return ['mail' => env('MAIL_PASSWORD', '${s}')];`, ""].join("\n"),
  ),
  // Terraform / HTTP
  form("HCL attribute", "infra/db.tf", "password =", "generic_secret", (s) =>
    ['resource "aws_db_instance" "main" {', '  username = "app"', `  password = "${s}"`, "}", ""].join("\n"),
  ),
  form(
    "HTTP request file Authorization header",
    "api/orders.http",
    "Authorization: Bearer",
    "generic_secret",
    (s) => ["GET https://api.internal/orders", `Authorization: Bearer ${s}`, ""].join("\n"),
  ),
];

/**
 * Lines that look like the forms above but hold no secret; scrubbing must return each unchanged. `path`
 * only says which kind of file the line comes from.
 */
export const NEAR_MISSES: ReadonlyArray<readonly [description: string, text: string]> = [
  ["a TypeScript type annotation", "interface Login {\n  password: string;\n  token?: string | null;\n}\n"],
  ["a Python type annotation", "def login(password: str, token: Optional[str] = None) -> None:\n    pass\n"],
  ["a call assigned to token", "token = getToken()\n"],
  ["a member path", "secret: config.secret\napiKey = settings.stripe.apiKey\n"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text is a YAML file that references a variable
  ["a YAML reference", "api_key: ${API_KEY}\n"],
  ["a Helm template", "password: {{ .Values.db.password }}\n"],
  ["a placeholder", "password: changeme\n"],
  ["an angle-bracket placeholder", "API_TOKEN=<your-key>\n"],
  ["a masked filler", "export SECRET_KEY=xxx\n"],
  ["a short value", 'password = hunter2\nsecret = "abc123"\n'],
  ["a shell variable", "export TOKEN=$GITHUB_TOKEN\n"],
  ["a word-shaped value", "auth_method = oauth\ntoken_type: bearer\n"],
  ["a descriptive name", "token_url: https://oauth2.googleapis.com/token\nauthHeader = Authorization\n"],
  ["prose in .properties", "password.hint=Enter your password\nlogin.password=Password\n"],
  ["a boolean", "authorization: true\nrequire_password: false\n"],
  ["a number", "tokens: 1024\nmax_token_length = 4096\n"],
  [
    "an ordinary env default",
    'port = os.getenv("PORT", "8080")\nenv = process.env.NODE_ENV ?? "development"\n',
  ],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text is a shell line with a default expansion
  ["a shell default", 'HOST="${DB_HOST:-localhost}"\n'],
  ["an ordinary Dockerfile ENV", "ENV NODE_ENV=production\nARG PYTHON_VERSION=3.12.1-slim-bookworm\n"],
  ["a JDBC URL without credentials", "spring.datasource.url=jdbc:postgresql://localhost:5432/app\n"],
  ["default database credentials", 'url = "postgres://postgres:postgres@localhost/app"\n'],
  ["a database key", 'primary_key: "tenant_id_and_user_id"\nsort_key = "createdAtTimestamp"\n'],
  ["a keyboard setting", 'keyboard_layout = "us-intl-altgr-dead"\n'],
  ["a git hash", 'commit = "da39a3ee5e6b4b0d3255bfef95601890afd80709"\n'],
  ["a UUID", 'const id = "550e8400-e29b-41d4-a716-446655440000";\n'],
  ["a model id", 'const model = "Qwen/Qwen2.5-Coder-0.5B-Instruct";\n'],
  ["a container image", "image: ghcr.io/org/app-server:v1.2.3\n"],
  ["CSS classes", 'cls = "px-4 py-2 text-sm md:px-6 lg:text-base"\n'],
  ["a camel-case identifier with a digit", 'handler = "someFunctionNameWithVersion2AndMore"\n'],
  ["a long constant name", "export const MAX_RETRY_COUNT_FOR_UPLOAD_V2 = 5;\n"],
  [
    "a subresource-integrity hash",
    '<script src="app.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6R9GqQ8Kuxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"></script>\n',
  ],
  [
    "a data URL",
    'const pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";\n',
  ],
  [
    "a certificate body alone on its lines",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\nRTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRydXN0MSIwIAYD\n-----END CERTIFICATE-----\n",
  ],
  ["a short video id", 'const videoId = "dQw4w9WgXcQ";\n'],
  ["a translated message", '"passwordTooShort": "Password must be at least 12 characters"\n'],
  ["a React key", "<Row key={item.id} token={token} />\n"],
  ["shell options", "set -euo pipefail\nexport PATH=$HOME/.local/bin:$PATH\n"],
  ["a comparison", 'if (token === "") return;\nif password == confirm_password:\n'],
];
