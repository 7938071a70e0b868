/**
 * Unquoted values, found by the structure of the line they sit on: one key–value pair per line, as config
 * files and shell scripts write them.
 *
 *   YAML        `password: Xk29…` (nested too: the key is on the value's own line), `- token: …`
 *   INI / TOML  `aws_secret_access_key = …`          .properties  `spring.datasource.password=…`
 *   shell       `export API_TOKEN=…`, `API_TOKEN=…`  Dockerfile   `ENV SECRET_KEY=…`, `ARG …`, `ENV KEY value`
 *
 * The key must name a secret (names.ts) and the value look like one (value-shape.ts looksLikeSecret); random
 * values under other keys are the keyless rule's (random-run.ts), quoted ones the quoted rule's
 * (generic-assignment.ts).
 * A line must end after the value (or in a comment), so prose (`password.hint=Enter your password`),
 * calls (`token = getToken()`), member paths (`secret: config.secret`) and type annotations
 * (`password: string`) are not values.
 */
import { AUTH_SCHEME } from "./generic-assignment.ts";
import { holdsSecret } from "./names.ts";
import type { SecretSpan } from "./spans.ts";
import { looksLikeCode } from "./value-shape.ts";

/**
 * Indentation, an optional YAML list dash, an optional shell or Dockerfile keyword, a key (optionally
 * quoted, 1–80 chars), an operator (=, :, :=; a blank after Dockerfile's `ENV KEY`) and a value that
 * starts with no quote. Runs of blanks are
 * taken whole (the `(?=(…))\k<…>` idiom is an atomic group), and every other part is bounded or stops at
 * the first character the next part needs, so each line is matched in linear time.
 */
const PAIR_LINE =
  /^[ \t]*(?:-[ \t]+)?(?<keyword>(?:export|ENV|ARG|declare[ \t]+-x|readonly|setenv|set)[ \t]+)?["']?(?<name>[A-Za-z_][A-Za-z0-9_.-]{0,79})["']?(?=(?<s1>[ \t]*))\k<s1>(?:(?<op>:=|=|:)|(?<=(?:ENV|ARG)[ \t]+[A-Za-z_][A-Za-z0-9_]{0,79}[ \t]))(?=(?<s2>[ \t]*))\k<s2>(?<value>(?:(?:Bearer|Basic|Token)[ \t]+)?[^\s"'`][^\s"'`]*)[ \t]*(?<rest>.*)$/dgm;

/** What may follow a value on its line: a comment, or another NAME=VALUE pair of the same ENV/export. */
const LINE_TAIL = /^(?:(?:#|;|\/\/).*)?$/;
/** More pairs on one Dockerfile ENV or shell export line: `ENV A=1 SECRET_KEY=…`. */
const MORE_PAIRS = /(?<![^ \t])(?<name>[A-Za-z_][A-Za-z0-9_]{0,79})=(?<value>[^\s"'`]+)/dg;

export function findConfigSecrets(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const line of text.matchAll(PAIR_LINE)) {
    const groups = line.groups ?? {};
    const indices = line.indices?.groups ?? {};
    const keyword = groups.keyword !== undefined;
    const rest = groups.rest ?? "";
    if (!LINE_TAIL.test(rest) && !(keyword && /^\w+=/.test(rest))) continue;
    classify(spans, groups.name ?? "", groups.value ?? "", indices.value?.[0] ?? 0);
    if (keyword && indices.rest) {
      for (const pair of rest.matchAll(MORE_PAIRS)) {
        const start = indices.rest[0] + (pair.indices?.groups?.value?.[0] ?? 0);
        classify(spans, pair.groups?.name ?? "", pair.groups?.value ?? "", start);
      }
    }
  }
  return spans;
}

function classify(spans: SecretSpan[], name: string, rawValue: string, start: number): void {
  const scheme = AUTH_SCHEME.exec(rawValue)?.[0].length ?? 0;
  // Statement ends and list separators are not part of the value.
  const value = rawValue.slice(scheme).replace(/[;,]+$/, "");
  if (looksLikeCode(value)) return;
  if (holdsSecret([name], value)) spans.push([start + scheme, start + scheme + value.length]);
}
