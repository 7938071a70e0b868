/**
 * bench/speed/typing-replay.ts is exercised, not timed: its session has the shape the issue asks for (≥ 200
 * keystrokes across files, code below the cursor), and a short run against a real `repolora serve` with the
 * tiny random model accounts for every keystroke. No latency figure is asserted.
 */
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { typingSession, withAutoClosing } from "../bench/speed/typing-replay.ts";

const repoRoot = resolve(import.meta.dirname, "..");

describe("bench/speed/typing-replay.ts", () => {
  it("replays ≥ 200 keystrokes across files, each with code below the cursor", () => {
    const session = typingSession(join(repoRoot, "runtime/src"), 8, 240);
    expect(session.length).toBeGreaterThanOrEqual(200);
    expect(new Set(session.map((k) => k.path)).size).toBe(8);
    for (const key of session) {
      expect(key.suffix.split("\n").length).toBeGreaterThan(20);
      expect(key.suffix.startsWith("\n")).toBe(true); // typing at the end of a line, the rest below
    }
    // Consecutive keystrokes in one file add one character each.
    const [a, b] = session;
    expect(b!.prefix.slice(0, -1)).toBe(a!.prefix);
    // Typed lines are new code: the code below the cursor stays the same across a file's keystrokes, also
    // where the typing goes on past a line's end.
    const paths = [...new Set(session.map((k) => k.path))];
    const multiLine = paths.filter((path) => {
      const keys = session.filter((k) => k.path === path);
      expect(new Set(keys.map((k) => k.suffix)).size).toBe(1);
      return keys.some((k) => k.prefix.split("\n").length !== keys[0]!.prefix.split("\n").length);
    });
    expect(multiLine.length).toBeGreaterThan(0);
  });

  it("puts auto-closed closers after the cursor until they are typed over, within a line", () => {
    const below = "\nbelow();\n";
    const keys = [...'f(a[0], "x")'].map((_, i, chars) => ({
      path: "a.ts",
      prefix: `x;\n  ${chars.slice(0, i + 1).join("")}`,
      suffix: below,
    }));
    const suffixes = withAutoClosing(keys).map((k) => k.suffix.slice(0, -below.length));
    // typed:      f   (    a    [     0    ]    ,    ␠    "     x     "    )
    expect(suffixes).toEqual(["", ")", ")", "])", "])", ")", ")", ")", '")', '")', ")", ""]);
    // a word character before a quote does not auto-close it; a line break ends the pending closers
    const quote = withAutoClosing([
      { path: "a.ts", prefix: "don", suffix: below },
      { path: "a.ts", prefix: "don'", suffix: below },
      { path: "a.ts", prefix: "don'(", suffix: below },
      { path: "a.ts", prefix: "don'(\n  ", suffix: below },
    ]).map((k) => k.suffix.slice(0, -below.length));
    expect(quote).toEqual(["", "", ")", ""]);
  });

  it("runs against repolora serve with the tiny random model, per prompt order and typing anchor, and accounts for every keystroke", () => {
    const out = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/speed/typing-replay.ts",
        "--tiny",
        "--files",
        "2",
        "--keystrokes",
        "10",
      ].concat(["--template", "both", "--anchor", "both", "--json"]),
      { cwd: repoRoot, encoding: "utf8" },
    );
    const reports = out
      .trim()
      .split("\n")
      .slice(-4)
      .map((line) => JSON.parse(line) as Record<string, number | string | boolean | null>);
    expect(reports.map((r) => [r.template, r.typingAnchor])).toEqual([
      ["qwen2.5-coder", false],
      ["qwen2.5-coder", true],
      ["qwen2.5-coder-spm", false],
      ["qwen2.5-coder-spm", true],
    ]);
    for (const report of reports) {
      expect(report.model).toBe("repolora-tiny/qwen2-random");
      expect(report.keystrokes).toBe(10);
      expect((report.asked as number) + (report.cache as number) + (report.skipped as number)).toBe(10);
      expect(report.asked).toBeGreaterThan(0);
    }
    // Typing at the cursor with code below it: the suffix-first order, and the native order with the typing
    // anchor, feed fewer tokens again per answer than the native order rebuilt on every keystroke.
    const [psm, anchored, spm] = reports;
    expect(spm!.meanPrefilledTokens as number).toBeLessThan(psm!.meanPrefilledTokens as number);
    expect(anchored!.meanPrefilledTokens as number).toBeLessThan(psm!.meanPrefilledTokens as number);
  }, 180_000);
});
