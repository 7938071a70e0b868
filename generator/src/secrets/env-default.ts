/**
 * Defaults of environment lookups: the value a program falls back to when a variable is unset is, for a
 * secret's variable, the secret itself, committed.
 *
 *   Python   os.getenv("X", "…"), os.environ.get("X", "…"), getenv("X", default="…")
 *   JS/TS    process.env.X ?? "…", process.env.X || "…", process.env["X"] || "…"
 *   Java     System.getenv().getOrDefault("X", "…"), System.getProperty("x", "…"), Kotlin System.getenv("X") ?: "…"
 *   Go       cmp.Or(os.Getenv("X"), "…"), getEnv("X", "…") helpers
 *   Ruby     ENV.fetch("X", "…"), ENV.fetch("X") { "…" }, ENV["X"] || "…"
 *   PHP      getenv("X") ?: "…", env("X", "…")
 *   shell    ${X:-…}, ${X:=…}
 *
 * The default is scrubbed when the variable names a secret and the value looks like one, or, whatever the
 * variable, when the value looks random (value-shape.ts). Ports, hosts and log levels stay.
 */
import { holdsSecret } from "./names.ts";
import type { SecretSpan } from "./spans.ts";
import { looksRandom } from "./value-shape.ts";

const Q = `["'\`]`;
/** A one-line string literal's body, bounded; the closing quote is checked by a backreference. */
const BODY = `[^"'\`\\\\\\r\\n]{1,200}`;
const VAR = `["'](?<var>[A-Za-z0-9_.-]{1,100})["']`;

/** Lookup functions that take (name, default). `env(` is Laravel's helper; `getEnv`/`env_or` are common helpers. */
const CALL_WITH_DEFAULT = new RegExp(
  `(?<![A-Za-z0-9_])(?:os\\.getenv|os\\.environ\\.get|environ\\.get|getenv|getEnv|GetEnv|get_env|getEnvOr\\w{0,20}|env_or|envOr|env|getenv\\(\\)\\.getOrDefault|getProperty|ENV\\.fetch)\\([ \\t]*${VAR}[ \\t]*,[ \\t]*(?:default[ \\t]*=[ \\t]*)?(?<q>${Q})(?<value>${BODY})\\k<q>`,
  "dg",
);

/** A lookup, then a fallback operator or a Go `cmp.Or` comma, or a Ruby block, then the literal. */
const LOOKUP_THEN_FALLBACK = new RegExp(
  `(?:process\\.env\\.(?<var>[A-Za-z_][A-Za-z0-9_]{0,100})|(?:process\\.env|ENV|\\$_ENV|\\$_SERVER)\\[${VAR.replace("<var>", "<var2>")}\\]|(?:getenv|System\\.getenv|os\\.Getenv|os\\.LookupEnv)\\(${VAR.replace("<var>", "<var3>")}\\)|ENV\\.fetch\\(${VAR.replace("<var>", "<var4>")}\\))[ \\t]*(?:\\?\\?|\\|\\||\\?:|\\bor\\b|,|\\{)[ \\t]*(?<q>${Q})(?<value>${BODY})\\k<q>`,
  "dg",
);

/** Shell parameter expansion with a default: ${API_TOKEN:-…} and ${API_TOKEN:=…} (also without the colon). */
const SHELL_DEFAULT = /\$\{(?<var>[A-Za-z_][A-Za-z0-9_]{0,100}):?[-=](?<value>[^}\s"'`$]{1,200})\}/dg;

export function findEnvDefaultSecrets(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const pattern of [CALL_WITH_DEFAULT, LOOKUP_THEN_FALLBACK, SHELL_DEFAULT]) {
    for (const match of text.matchAll(pattern)) {
      const groups = match.groups ?? {};
      const name = groups.var ?? groups.var2 ?? groups.var3 ?? groups.var4 ?? "";
      const value = groups.value ?? "";
      const range = match.indices?.groups?.value;
      if (!range) continue;
      if (holdsSecret([name], value) || looksRandom(value)) spans.push([range[0], range[1]]);
    }
  }
  return spans.sort((a, b) => a[0] - b[0]);
}
