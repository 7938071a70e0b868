/**
 * PEM private-key blocks. The BEGIN/END lines stay (they say what was there); the key material between
 * them becomes one REDACTED, whether the block is plain text, a YAML block scalar or a string literal
 * built from quoted, concatenated lines.
 */
import type { SecretSpan } from "./spans.ts";

// RSA, EC, DSA, OPENSSH, ENCRYPTED or bare PKCS#8 keys, and PGP's "PRIVATE KEY BLOCK".
const HEADER = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const FOOTER = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;

/** RSA-8192 is ~6.4 KB of PEM and quoting adds a few KB; a header further than this from a footer is a mention. */
const MAX_BODY_CHARS = 16 * 1024;

/** Key lines are 64 (PEM) or 70 (OpenSSH) base64 chars; code between a header constant and a footer constant has no such run. */
const KEY_LINE = /[A-Za-z0-9+/=]{40}/;

/** Base64 runs of the body. The lookbehind leaves the letter of a `\n` escape; four chars leaves `+` glue alone. */
const BASE64_RUN = /(?<!\\)[A-Za-z0-9+/=]{4,}/g;

/** What may separate two runs of one key: line breaks, written raw or as escapes. */
const LINE_GAP = /^(?:\s|\\[nr])*$/;

export interface PrivateKeyMatches {
  spans: SecretSpan[];
  /** Key blocks found; one block may need several spans when its lines are separately quoted. */
  blocks: number;
}

export function findPrivateKeys(text: string): PrivateKeyMatches {
  const spans: SecretSpan[] = [];
  let blocks = 0;
  const header = new RegExp(HEADER);
  const footer = new RegExp(FOOTER);
  // The next footer at or after the current body. Headers and footers are both met in text order, so each
  // part of the text is searched for a footer once: linear however many headers there are.
  let nextFooter: RegExpExecArray | null = null;
  for (let begin = header.exec(text); begin; begin = header.exec(text)) {
    const bodyStart = begin.index + begin[0].length;
    if (!nextFooter || nextFooter.index < bodyStart) {
      footer.lastIndex = bodyStart;
      nextFooter = footer.exec(text);
      if (!nextFooter) break; // no footer after this header, so none after any later one
    }
    const bodyEnd = nextFooter.index;
    if (bodyEnd - bodyStart > MAX_BODY_CHARS) continue;
    const body = text.slice(bodyStart, bodyEnd);
    if (!KEY_LINE.test(body)) continue;
    spans.push(...keyMaterialSpans(body, bodyStart));
    blocks++;
    header.lastIndex = bodyEnd + nextFooter[0].length;
  }
  return { spans, blocks };
}

/** Spans of the base64 runs in `body`, merged across line breaks so a plain block becomes one REDACTED. */
function keyMaterialSpans(body: string, offset: number): SecretSpan[] {
  const spans: [number, number][] = [];
  for (const run of body.matchAll(BASE64_RUN)) {
    const start = offset + run.index;
    const end = start + run[0].length;
    const previous = spans.at(-1);
    if (previous && LINE_GAP.test(body.slice(previous[1] - offset, run.index))) previous[1] = end;
    else spans.push([start, end]);
  }
  return spans;
}
