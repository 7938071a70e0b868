import { describe, expect, it } from "vitest";
import { CursorError, splitAtCursor } from "./cursor.ts";

describe("splitAtCursor (1-based line and column)", () => {
  const text = "ab\ncd\r\n\nxyz";

  it.each([
    [1, 1, "", text],
    [1, 3, "ab", "\ncd\r\n\nxyz"],
    [2, 2, "ab\nc", "d\r\n\nxyz"],
    [2, 3, "ab\ncd", "\r\n\nxyz"], // CRLF: the line ends before \r
    [3, 1, "ab\ncd\r\n", "\nxyz"],
    [4, 4, text, ""],
  ])("line %i, column %i", (line, column, prefix, suffix) => {
    expect(splitAtCursor(text, line, column)).toEqual({ prefix, suffix });
  });

  it("says which bound was crossed", () => {
    expect(() => splitAtCursor(text, 5, 1)).toThrow(
      new CursorError("line 5 is past the end of the file (4 lines)"),
    );
    expect(() => splitAtCursor(text, 2, 4)).toThrow(
      /column 4 is past the end of line 2 \(2 characters; the last column is 3\)/,
    );
    expect(() => splitAtCursor(text, 0, 1)).toThrow(/line must be an integer ≥ 1/);
  });
});
