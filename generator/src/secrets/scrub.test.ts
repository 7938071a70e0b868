import { describe, expect, it } from "vitest";
import { REDACTED, SECRET_KINDS, type SecretKind, scrubSecrets } from "./index.ts";

/**
 * Fake credentials, assembled at run time so that this file holds no token-shaped literal for secret
 * scanners, or our own scrubber, to trip on. None of them was ever valid.
 */
const AWS_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
const AWS_TEMP_KEY_ID = ["ASIA", "Y34FZKBOKMUTVV7A"].join("");
const AWS_SECRET = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"].join("/");
const GITHUB_CLASSIC = ["ghp", "16C7e42F292c6912E7710c838347Ae178B4a"].join("_");
const GITHUB_APP = ["ghs", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"].join("_");
const GITHUB_FINE = [
  "github",
  "pat",
  "11ABCDEFG0123456789abc",
  "defghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV",
].join("_");
const GITLAB = ["glpat", "x1Y2z3A4b5C6d7E8f9G0"].join("-");
const SLACK_BOT = ["xoxb", "123456789012", "1234567890123", "AbCdEfGhIjKlMnOpQrStUvWx"].join("-");
const SLACK_WEBHOOK_PATH = "T0A1B2C3D/B4E5F6G7H/q1W2e3R4t5Y6u7I8o9P0a1S2";
const STRIPE_LIVE = ["sk", "live", "4eC39HqLyjWDarjtT1zdp7dc"].join("_");
const STRIPE_RESTRICTED = ["rk", "live", "51HqLyjWDarjtT1zdp7dcAbC"].join("_");
const STRIPE_TEST = ["sk", "test", "4eC39HqLyjWDarjtT1zdp7dc"].join("_");
const GOOGLE = ["AIza", "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"].join("");
const ANTHROPIC = ["sk", "ant", "api03", "Xy7Kq2Lm9Np4Rs6Tv8Wx1Za3Bc5De7Fg9Hj_Kl2Mn4Pq6Rs8-Tu0Vw"].join("-");
const OPENAI_PROJECT = ["sk", "proj", "abc123DEF456ghi789JKL012mno345PQR678stu901VWX"].join("-");
const OPENAI_LEGACY = ["sk", "T3BlbkFJ9aB8cD7eF6gH5iJ4kL3mN2oP1qR0sT9uV8wX7yZ6"].join("-");
const NPM = ["npm", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"].join("_");
const JWT = [
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
  "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0",
  "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
].join(".");
const BEGIN_KEY = (type: string) => `-----BEGIN ${type}${type ? " " : ""}PRIVATE ${"KEY"}-----`;
const END_KEY = (type: string) => `-----END ${type}${type ? " " : ""}PRIVATE ${"KEY"}-----`;
const KEY_LINES = [
  "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
  "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
  "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
  "9z+tqY==",
];

interface ScrubCase {
  description: string;
  input: string;
  /** The exact scrubbed text; when absent, a case with no expected kinds must come back unchanged. */
  expectedOutput?: string;
  /** Secrets found, by kind; kinds left out must count 0. */
  expectedKinds: Partial<Record<SecretKind, number>>;
}

const cases: ScrubCase[] = [
  // ── one case per kind ────────────────────────────────────────────────────────────────────────────
  {
    description: "AWS access key id in a string",
    input: `const keyId = "${AWS_KEY_ID}";`,
    expectedOutput: `const keyId = "${REDACTED}";`,
    expectedKinds: { aws_access_key_id: 1 },
  },
  {
    description: "AWS temporary (STS) key id",
    input: `creds = { "AccessKeyId": "${AWS_TEMP_KEY_ID}" }`,
    expectedOutput: `creds = { "AccessKeyId": "${REDACTED}" }`,
    expectedKinds: { aws_access_key_id: 1 },
  },
  {
    description: "AWS secret key, unquoted in an ini-style assignment",
    input: `aws_secret_access_key = ${AWS_SECRET}\n`,
    expectedOutput: `aws_secret_access_key = ${REDACTED}\n`,
    expectedKinds: { aws_secret_access_key: 1 },
  },
  {
    description: "AWS secret key as a camel-case JSON field",
    input: `{"awsSecretAccessKey": "${AWS_SECRET}"}`,
    expectedOutput: `{"awsSecretAccessKey": "${REDACTED}"}`,
    expectedKinds: { aws_secret_access_key: 1 },
  },
  {
    description: "GitHub classic token (ghp_) wins over the generic rule",
    input: `GITHUB_TOKEN = "${GITHUB_CLASSIC}"`,
    expectedOutput: `GITHUB_TOKEN = "${REDACTED}"`,
    expectedKinds: { github_token: 1 },
  },
  {
    description: "GitHub app token (ghs_) in a shell export",
    input: `export GH_TOKEN=${GITHUB_APP}`,
    expectedOutput: `export GH_TOKEN=${REDACTED}`,
    expectedKinds: { github_token: 1 },
  },
  {
    description: "GitHub fine-grained token (github_pat_)",
    input: `token: '${GITHUB_FINE}'`,
    expectedOutput: `token: '${REDACTED}'`,
    expectedKinds: { github_token: 1 },
  },
  {
    description: "GitLab personal access token",
    input: `gitlab.auth(private_token="${GITLAB}")`,
    expectedOutput: `gitlab.auth(private_token="${REDACTED}")`,
    expectedKinds: { gitlab_token: 1 },
  },
  {
    description: "Slack bot token",
    input: `new WebClient("${SLACK_BOT}")`,
    expectedOutput: `new WebClient("${REDACTED}")`,
    expectedKinds: { slack_token: 1 },
  },
  {
    description: "Slack webhook: the path after /services/ goes, the host stays",
    input: `url = "https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}"`,
    expectedOutput: `url = "https://hooks.slack.com/services/${REDACTED}"`,
    expectedKinds: { slack_token: 1 },
  },
  {
    description: "Stripe live secret and restricted keys",
    input: `Stripe.apiKey = "${STRIPE_LIVE}";\nconst restricted = "${STRIPE_RESTRICTED}";`,
    expectedOutput: `Stripe.apiKey = "${REDACTED}";\nconst restricted = "${REDACTED}";`,
    expectedKinds: { stripe_key: 2 },
  },
  {
    description: "Google API key in a URL query",
    input: `fetch(\`https://maps.googleapis.com/maps/api/geocode/json?key=${GOOGLE}\`)`,
    expectedOutput: `fetch(\`https://maps.googleapis.com/maps/api/geocode/json?key=${REDACTED}\`)`,
    expectedKinds: { google_api_key: 1 },
  },
  {
    description: "Anthropic key, counted as Anthropic and not OpenAI",
    input: `client = Anthropic(api_key="${ANTHROPIC}")`,
    expectedOutput: `client = Anthropic(api_key="${REDACTED}")`,
    expectedKinds: { anthropic_api_key: 1 },
  },
  {
    description: "OpenAI project and legacy keys",
    input: `a = "${OPENAI_PROJECT}"\nb = '${OPENAI_LEGACY}'`,
    expectedOutput: `a = "${REDACTED}"\nb = '${REDACTED}'`,
    expectedKinds: { openai_api_key: 2 },
  },
  {
    description: "npm token in .yarnrc-style config",
    input: `npmAuthToken: ${NPM}`,
    expectedOutput: `npmAuthToken: ${REDACTED}`,
    expectedKinds: { npm_token: 1 },
  },
  {
    description: "PEM block in plain text: armour kept, key material becomes one marker",
    input: `${BEGIN_KEY("RSA")}\n${KEY_LINES.join("\n")}\n${END_KEY("RSA")}\n`,
    expectedOutput: `${BEGIN_KEY("RSA")}\n${REDACTED}\n${END_KEY("RSA")}\n`,
    expectedKinds: { private_key: 1 },
  },
  {
    description: "PEM block in a JSON string with \\n escapes",
    input: `{"private_key": "${BEGIN_KEY("")}\\n${KEY_LINES.join("\\n")}\\n${END_KEY("")}\\n"}`,
    expectedOutput: `{"private_key": "${BEGIN_KEY("")}\\n${REDACTED}\\n${END_KEY("")}\\n"}`,
    expectedKinds: { private_key: 1 },
  },
  {
    description: "PEM block as concatenated Python literals stays valid Python",
    input: [
      `KEY = ("${BEGIN_KEY("EC")}\\n"`,
      ...KEY_LINES.map((line) => `       "${line}\\n"`),
      `       "${END_KEY("EC")}\\n")`,
    ].join("\n"),
    expectedOutput: [
      `KEY = ("${BEGIN_KEY("EC")}\\n"`,
      ...KEY_LINES.map(() => `       "${REDACTED}\\n"`),
      `       "${END_KEY("EC")}\\n")`,
    ].join("\n"),
    expectedKinds: { private_key: 1 },
  },
  {
    description: "OpenSSH private key in a YAML block scalar",
    input: `ssh_key: |\n  ${BEGIN_KEY("OPENSSH")}\n  ${KEY_LINES.join("\n  ")}\n  ${END_KEY("OPENSSH")}\n`,
    expectedOutput: `ssh_key: |\n  ${BEGIN_KEY("OPENSSH")}\n  ${REDACTED}\n  ${END_KEY("OPENSSH")}\n`,
    expectedKinds: { private_key: 1 },
  },
  {
    description: "JWT after Bearer: the scheme stays",
    input: `headers: { Authorization: "Bearer ${JWT}" }`,
    expectedOutput: `headers: { Authorization: "Bearer ${REDACTED}" }`,
    expectedKinds: { jwt: 1 },
  },
  {
    description: "URL with credentials: user kept, password replaced",
    input: `DATABASE_URL = "postgres://admin:Xq9vT2mLp7@db.internal:5432/app"`,
    expectedOutput: `DATABASE_URL = "postgres://admin:${REDACTED}@db.internal:5432/app"`,
    expectedKinds: { url_password: 1 },
  },
  {
    description: "URL with a password and no user",
    input: `redis.from_url("redis://:Kp4sW9zQ2x@cache:6379/0")`,
    expectedOutput: `redis.from_url("redis://:${REDACTED}@cache:6379/0")`,
    expectedKinds: { url_password: 1 },
  },
  {
    description: "generic: typed TypeScript constant",
    input: `const apiToken: string = "xK9mP2vL8qR4tN7w";`,
    expectedOutput: `const apiToken: string = "${REDACTED}";`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "generic: JSON key",
    input: `{ "client_secret": "Zm9vYmFyYmF6cXV4cXV1eA==" }`,
    expectedOutput: `{ "client_secret": "${REDACTED}" }`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "generic: Python keyword argument",
    input: `connect(host="db", password="mypassword123")`,
    expectedOutput: `connect(host="db", password="${REDACTED}")`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "generic: Go short declaration",
    input: `authKey := "9f8e7d6c5b4a3f2e1d0c"`,
    expectedOutput: `authKey := "${REDACTED}"`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "generic: Ruby hash rocket",
    input: `{ :api_key => 'Qw3rTy7uI9oP1aSd' }`,
    expectedOutput: `{ :api_key => '${REDACTED}' }`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "generic: HTTP header key",
    input: `headers = {"x-api-key": "a1b2c3d4e5f6g7h8i9j0"}`,
    expectedOutput: `headers = {"x-api-key": "${REDACTED}"}`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "generic: Bearer credential keeps its scheme",
    input: `Authorization: "Bearer xK9mP2vL8qR4tN7wQz"`,
    expectedOutput: `Authorization: "Bearer ${REDACTED}"`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "generic: a UUID held by a token name (hex threshold)",
    input: `sessionToken = "550e8400-e29b-41d4-a716-446655440000"`,
    expectedOutput: `sessionToken = "${REDACTED}"`,
    expectedKinds: { generic_secret: 1 },
  },

  {
    description: "unquoted YAML value under a secret key",
    input: `db:\n  password: Xk29fLq8Zr41mVt7Wp3s\n`,
    expectedOutput: `db:\n  password: ${REDACTED}\n`,
    expectedKinds: { generic_secret: 1 },
  },
  {
    description: "env lookup default",
    input: `key = os.getenv("SERVICE_TOKEN", "Qw3rTy7uI9oP1aSd")`,
    expectedOutput: `key = os.getenv("SERVICE_TOKEN", "${REDACTED}")`,
    expectedKinds: { env_default_secret: 1 },
  },
  {
    description: "a random-looking constant with no keyword",
    input: `export const SEED = "h7Gk2Lp9Qz4Xw1Rt6Vb3Nm8C";`,
    expectedOutput: `export const SEED = "${REDACTED}";`,
    expectedKinds: { high_entropy_string: 1 },
  },

  // ── several secrets in one text ──────────────────────────────────────────────────────────────────
  {
    description: "a config file with five secrets of four kinds",
    input: [
      `[default]`,
      `aws_access_key_id = ${AWS_KEY_ID}`,
      `aws_secret_access_key = ${AWS_SECRET}`,
      `github = "${GITHUB_CLASSIC}"`,
      `backup_token = "${GITHUB_APP}"`,
      `db_password = "Xq9vT2mLp7Rw"`,
      `region = "eu-west-1"`,
    ].join("\n"),
    expectedOutput: [
      `[default]`,
      `aws_access_key_id = ${REDACTED}`,
      `aws_secret_access_key = ${REDACTED}`,
      `github = "${REDACTED}"`,
      `backup_token = "${REDACTED}"`,
      `db_password = "${REDACTED}"`,
      `region = "eu-west-1"`,
    ].join("\n"),
    expectedKinds: { aws_access_key_id: 1, aws_secret_access_key: 1, github_token: 2, generic_secret: 1 },
  },

  // ── true negatives: ordinary code stays as it is ─────────────────────────────────────────────────
  {
    description: "a prompt mentioning a password",
    input: `password: "Please enter your password"`,
    expectedKinds: {},
  },
  { description: "a token type", input: `tokenType = "Bearer"`, expectedKinds: {} },
  { description: "a short string", input: `secret = "abc123"`, expectedKinds: {} },
  {
    description: "a UUID not held by a secret name",
    input: `const id = "550e8400-e29b-41d4-a716-446655440000";`,
    expectedKinds: {},
  },
  {
    description: "a git hash",
    input: `commit = "da39a3ee5e6b4b0d3255bfef95601890afd80709"`,
    expectedKinds: {},
  },
  {
    description: "a base64 image data URL in a test",
    input: `const pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";`,
    expectedKinds: {},
  },
  { description: "a placeholder", input: `api_key = "your-api-key-here"`, expectedKinds: {} },
  {
    description: "an angle-bracket placeholder",
    input: `API_TOKEN = "<your-token-here>"`,
    expectedKinds: {},
  },
  {
    description: "an interpolated reference",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the input is source code that interpolates
    input: "password: `${process.env.DB_PASSWORD}`",
    expectedKinds: {},
  },
  { description: "a template reference", input: `token: "{{ .Values.apiToken }}"`, expectedKinds: {} },
  { description: "a masked value", input: `secret = "****************"`, expectedKinds: {} },
  { description: "an identifier-like value", input: `tokenKey = "access_token_expired"`, expectedKinds: {} },
  {
    description: "a camel-case field name",
    input: `passwordInput = "confirmPasswordInput"`,
    expectedKinds: {},
  },
  {
    description: "a state name ending in an acronym",
    input: `lastToken = "?InterpolationInJSX"`,
    expectedKinds: {},
  },
  {
    description: "a translated message",
    input: `"Unexpected_token_1012": "\u4e88\u671f\u3057\u306a\u3044\u30c8\u30fc\u30af\u30f3\u3067\u3059\u3002"`,
    expectedKinds: {},
  },
  {
    description: "a name ending in Url",
    input: `const authUrl = "https://oauth2.googleapis.com/token";`,
    expectedKinds: {},
  },
  {
    description: "a name ending in Path",
    input: `privateKeyPath = "certs/server-2048.key"`,
    expectedKinds: {},
  },
  {
    description: "tokenizer is not token",
    input: `tokenizer = "Xenova/gpt-4o-tokenizer"`,
    expectedKinds: {},
  },
  { description: "author is not auth", input: `author = "jdoe-1987@example.org"`, expectedKinds: {} },
  { description: "a weak, human-made sample", input: `secret = "dev-secret-do-not-use"`, expectedKinds: {} },
  {
    description: "a kebab-case class that starts with sk-",
    input: `cls = "sk-button-primary-large-variant"`,
    expectedKinds: {},
  },
  {
    description: "a Stripe test key is meant to be shared",
    input: `stripe("${STRIPE_TEST}")`,
    expectedKinds: {},
  },
  {
    description: "default database credentials",
    input: `url = "postgres://postgres:postgres@localhost/app"`,
    expectedKinds: {},
  },
  {
    description: "a URL password from the environment",
    input: `url = "https://deploy:\${PASSWORD}@example.com"`,
    expectedKinds: {},
  },
  { description: "a documentation URL", input: `new URL("https://abc:xyz@example.com")`, expectedKinds: {} },
  {
    description: "an ssh remote has no password",
    input: `remote = "ssh://git@github.com/org/repo.git"`,
    expectedKinds: {},
  },
  {
    description: "PEM header and footer as constants of a parser",
    input: `const HEADER = "${BEGIN_KEY("")}";\nconst FOOTER = "${END_KEY("")}";\n`,
    expectedKinds: {},
  },
  {
    description: "a public key block",
    input: `-----BEGIN PUBLIC KEY-----\n${KEY_LINES.join("\n")}\n-----END PUBLIC KEY-----\n`,
    expectedKinds: {},
  },
  { description: "a comparison is not an assignment", input: `if (token === "") return;`, expectedKinds: {} },
];

function nonZero(counts: Record<SecretKind, number>): Partial<Record<SecretKind, number>> {
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
}

describe("scrubSecrets", () => {
  it.each(cases)("$description", ({ input, expectedOutput, expectedKinds }) => {
    const result = scrubSecrets(input);
    expect(nonZero(result.counts)).toEqual(expectedKinds);
    if (expectedOutput !== undefined) expect(result.text).toBe(expectedOutput);
    else if (Object.keys(expectedKinds).length === 0) expect(result.text).toBe(input);
  });

  it.each(cases)("is idempotent: $description", ({ input }) => {
    const once = scrubSecrets(input).text;
    const twice = scrubSecrets(once);
    expect(twice.text).toBe(once);
    expect(nonZero(twice.counts)).toEqual({});
  });

  it("reports every kind, zeros included", () => {
    expect(Object.keys(scrubSecrets("").counts).sort()).toEqual([...SECRET_KINDS].sort());
  });

  it("covers every kind with at least one case", () => {
    const covered = new Set(cases.flatMap((c) => Object.keys(c.expectedKinds)));
    expect([...SECRET_KINDS].filter((kind) => !covered.has(kind))).toEqual([]);
  });

  it("finishes on 1 MB adversarial lines (no catastrophic backtracking)", () => {
    const MB = 1 << 20;
    const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
    const lines = [
      fill("a"),
      fill(" "),
      fill("AKIA"),
      fill("eyJ"),
      fill("eyJaaaaaaaaa."),
      `sk-${fill("a")}`,
      fill("ghp_"),
      fill("github_pat_"),
      fill("a://"),
      fill("a:b@"),
      `https://${fill("a:")}`,
      fill('token="'),
      `password = "${fill("x")}`,
      `aws_secret_key =${fill(" ")}`,
      `token${fill(" ")}= "xK9mP2vL8qR4tN7w"`,
      `${fill("secret")} = "xK9mP2vL8qR4tN7w"`,
      fill(BEGIN_KEY("")),
      `${BEGIN_KEY("RSA")}\n${fill("A")}`,
      `${BEGIN_KEY("")}${fill("B")}${END_KEY("")}`,
      fill(`${BEGIN_KEY("")}\n${KEY_LINES[0]}\n${END_KEY("")}\n`),
      fill('api_key: "ab1'),
      `password${fill(" ")}`,
      `export ${fill(" ")}`,
      `ENV A=1${fill(" B=aB3dE5fG7hJ9kL1mN3pQ5")}`,
      fill("aB3dE5fG7hJ9kL1mN3pQ5 "),
      fill("aB3dE5fG7hJ9kL1mN3pQ5"),
      fill('os.getenv("A", "'),
      fill("process.env.A ?? "),
      fill("${A:-"),
      `x = ${fill("\t")}`,
    ];
    for (const line of lines) {
      expect(typeof scrubSecrets(line).text).toBe("string");
    }
  });
});
