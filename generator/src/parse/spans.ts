/**
 * Turns the captures of grammars/<lang>/spans.scm into spans. Capture names are span kinds:
 *   @statement, @expression  the captured node as is (a statement also takes a `;` right after it);
 *   @block, @call_args       the node's inside, without its opening and closing delimiters;
 *   @rest_of_line            no span itself: marks where a rest-of-line span may start.
 * Every @expression and @call_args start is also a rest-of-line start. Captures named `_x` only feed
 * predicates. Each Node property read is a call into wasm, so this reads as few as it can.
 */
import type { Node, Query } from "web-tree-sitter";
import { restOfLineSpans } from "./rest-of-line.ts";
import type { Span } from "./types.ts";

const SEMICOLON = 59;
// Leading/trailing anonymous children that delimit a @block or @call_args (`{ }`, `do ... end`).
const OPENERS = new Set(["{", "(", "[", "do", "then", "else", "begin"]);
const CLOSERS = new Set(["}", ")", "]", "end"]);
const BRACKETS = new Map([
  [123, 125], // { }
  [40, 41], // ( )
  [91, 93], // [ ]
]);

/** `maxChars` only saves work: longer rest-of-line candidates are not built (finalizeSpans drops the rest). */
export function querySpans(query: Query, root: Node, source: string, maxChars: number): Span[] {
  const spans: Span[] = [];
  const lineStarts: number[] = [];
  // Node type id -> whether its first child is a bracket token, learnt from the first node of the type.
  const bracketed = new Map<number, boolean>();
  for (const { name, node } of query.captures(root)) {
    switch (name) {
      case "statement": {
        // Some grammars (TypeScript class fields) leave the terminating `;` outside the node.
        const end = node.endIndex;
        spans.push({
          kind: name,
          start: node.startIndex,
          end: source.charCodeAt(end) === SEMICOLON ? end + 1 : end,
        });
        break;
      }
      case "expression":
        spans.push({ kind: name, start: node.startIndex, end: node.endIndex });
        lineStarts.push(node.startIndex);
        break;
      case "block":
      case "call_args": {
        const inner = innerRange(node, source, bracketed);
        if (inner === null) break;
        spans.push({ kind: name, start: inner[0], end: inner[1] });
        if (name === "call_args") lineStarts.push(inner[0]);
        break;
      }
      case "rest_of_line":
        lineStarts.push(node.startIndex);
        break;
    }
  }
  for (const span of restOfLineSpans(root, source, lineStarts, maxChars)) spans.push(span);
  return spans;
}

/** The node's inside, without its delimiters; null when nothing is left. */
function innerRange(node: Node, source: string, bracketed: Map<number, boolean>): [number, number] | null {
  const start = node.startIndex;
  const end = node.endIndex;
  // Fast path: `{...}`, `(...)`, `[...]` read from the text, once the node type is known to be bracketed
  // (a Python block may also start with `(` and end with `)`).
  if (BRACKETS.get(source.charCodeAt(start)) === source.charCodeAt(end - 1)) {
    const type = node.typeId;
    let known = bracketed.get(type);
    if (known === undefined) {
      const first = node.firstChild;
      known = first !== null && !first.isNamed && BRACKETS.has(source.charCodeAt(first.startIndex));
      bracketed.set(type, known);
    }
    if (known) return start + 1 < end - 1 ? [start + 1, end - 1] : null;
  }
  return childrenInnerRange(node, start, end);
}

/** After the last opener among the leading anonymous children, before the first closer among the trailing. */
function childrenInnerRange(node: Node, start: number, end: number): [number, number] | null {
  for (let child = node.firstChild; child !== null && !child.isNamed; child = child.nextSibling) {
    if (OPENERS.has(child.type)) start = child.endIndex;
  }
  for (let child = node.lastChild; child !== null && !child.isNamed; child = child.previousSibling) {
    if (CLOSERS.has(child.type)) end = child.startIndex;
  }
  return start < end ? [start, end] : null;
}
