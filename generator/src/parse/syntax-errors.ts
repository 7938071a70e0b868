/**
 * Where a tree has ERROR and MISSING nodes. Spans that touch them are dropped, so a file with a typo still
 * yields examples from its valid parts but never teaches the model to write broken code.
 */
import type { Node } from "web-tree-sitter";

export interface SyntaxErrors {
  /** Half-open [start, end) ranges; MISSING nodes have start === end. */
  ranges: Array<readonly [number, number]>;
  count: number;
}

export function findSyntaxErrors(root: Node): SyntaxErrors {
  const ranges: Array<readonly [number, number]> = [];
  // hasError is set on every ancestor of an ERROR/MISSING node, so only those subtrees are walked.
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) ranges.push([node.startIndex, node.endIndex]);
    for (const child of node.children) {
      if (child !== null && (child.hasError || child.isMissing)) visit(child);
    }
  };
  if (root.hasError) visit(root);
  return { ranges, count: ranges.length };
}

/** True when [start, end) overlaps an error, or contains (or touches) a zero-width MISSING node. */
export function touchesError(errors: SyntaxErrors, start: number, end: number): boolean {
  for (const [a, b] of errors.ranges) {
    if (a === b ? start <= a && a <= end : start < b && a < end) return true;
  }
  return false;
}
