import { describe, expect, it } from "vitest";
import { sameSuffixButClosers } from "./auto-close.ts";

describe("sameSuffixButClosers", () => {
  const rest = "\n}\nfunction g() {}\n";
  it("accepts closers an editor auto-inserted or typed over right after the cursor", () => {
    expect(sameSuffixButClosers(rest, rest)).toBe(true);
    expect(sameSuffixButClosers(rest, `)${rest}`)).toBe(true); // typed "(": ")" auto-inserted
    expect(sameSuffixButClosers(rest, `")${rest}`)).toBe(true);
    expect(sameSuffixButClosers(`)${rest}`, rest)).toBe(true); // typed ")" over it
    // a client's fixed-length window: one closer in front, one character less at the far end
    expect(sameSuffixButClosers(rest, `)${rest.slice(0, -1)}`)).toBe(true);
    expect(sameSuffixButClosers(`)${rest.slice(0, -1)}`, rest)).toBe(true);
  });

  it("refuses any other change of the suffix", () => {
    expect(sameSuffixButClosers(rest, `x${rest}`)).toBe(false);
    expect(sameSuffixButClosers(rest, `)${rest}// edit`)).toBe(false);
    expect(sameSuffixButClosers(rest, `))))))${rest}`)).toBe(false); // more than an auto-close makes
    expect(sameSuffixButClosers(rest, `)${rest.slice(0, -3)}`)).toBe(false);
    expect(sameSuffixButClosers(`)${rest}`, `]${rest}`)).toBe(false);
  });
});
