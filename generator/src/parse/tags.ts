/**
 * Definitions and imports from grammars/<lang>/tags.scm. Definitions use aider's capture names: one match
 * holds `@name.definition.<kind>` (the name) and `@definition.<kind>` (the whole node); imports are
 * `@import` captures on the module specifier, with surrounding quotes removed here.
 */
import type { Node, Query } from "web-tree-sitter";
import type { Definition } from "./types.ts";

const NAME_PREFIX = "name.definition.";
const NODE_PREFIX = "definition.";

export interface Tags {
  definitions: Definition[];
  imports: string[];
}

export function queryTags(query: Query, root: Node): Tags {
  // Keyed by the name's range: when several patterns find one name, the earliest pattern wins.
  const definitions = new Map<string, { pattern: number; definition: Definition }>();
  const imports: Array<{ at: number; text: string }> = [];
  for (const match of query.matches(root)) {
    let name: Node | undefined;
    let whole: Node | undefined;
    let kind: string | undefined;
    for (const capture of match.captures) {
      if (capture.name === "import") {
        const text = unquote(capture.node.text);
        if (text !== "") imports.push({ at: capture.node.startIndex, text });
      } else if (capture.name.startsWith(NAME_PREFIX)) {
        name = capture.node;
        kind = capture.name.slice(NAME_PREFIX.length);
      } else if (capture.name.startsWith(NODE_PREFIX)) {
        whole = capture.node;
      }
    }
    if (name === undefined || kind === undefined) continue;
    const key = `${name.startIndex}:${name.endIndex}`;
    const known = definitions.get(key);
    if (known !== undefined && known.pattern <= match.patternIndex) continue;
    const node = whole ?? name;
    const definition = { name: name.text, kind, start: node.startIndex, end: node.endIndex };
    definitions.set(key, { pattern: match.patternIndex, definition });
  }
  return {
    definitions: [...definitions.values()]
      .map((d) => d.definition)
      .sort(
        (a, b) =>
          a.start - b.start || a.end - b.end || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind),
      ),
    imports: [...new Set(imports.sort((a, b) => a.at - b.at).map((i) => i.text))],
  };
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", "`": "`", "<": ">" };

function unquote(text: string): string {
  const close = QUOTES[text[0] ?? ""];
  return close !== undefined && text.length >= 2 && text.endsWith(close) ? text.slice(1, -1) : text;
}
