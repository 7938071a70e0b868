/** Splits a file's text at a cursor given as 1-based line and column (columns count UTF-16 code units). */
export interface CursorSplit {
  prefix: string;
  suffix: string;
}

export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CursorError";
  }
}

export function splitAtCursor(text: string, line: number, column: number): CursorSplit {
  if (!Number.isInteger(line) || line < 1) throw new CursorError(`line must be an integer ≥ 1, got ${line}`);
  if (!Number.isInteger(column) || column < 1)
    throw new CursorError(`column must be an integer ≥ 1, got ${column}`);
  let lineStart = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf("\n", lineStart);
    if (next < 0) throw new CursorError(`line ${line} is past the end of the file (${current} lines)`);
    lineStart = next + 1;
  }
  const lineEnd = text.indexOf("\n", lineStart);
  const lineText = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, "");
  if (column > lineText.length + 1) {
    throw new CursorError(
      `column ${column} is past the end of line ${line} (${lineText.length} characters; the last column is ${lineText.length + 1})`,
    );
  }
  const at = lineStart + column - 1;
  return { prefix: text.slice(0, at), suffix: text.slice(at) };
}
