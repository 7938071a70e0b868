import { describe, expect, it } from "vitest";
import type { AdapterInfo } from "./adapters.ts";
import { cliCommand, resolveCli } from "./cli.ts";
import { renderReportHtml, summarizeReport } from "./report.ts";
import { answersTrigger, DEFAULT_SETTINGS, isEnabledFor, readSettings } from "./settings.ts";

const adapter: AdapterInfo = {
  dir: "/ad/app",
  key: "/ad/app@t",
  name: "app@abc1234",
  baseModel: "Qwen/Qwen2.5-Coder-0.5B",
  repo: { root: "/src/app", head: "abc1234def", trainedAt: "2026-11-23T10:00:00Z" },
  rank: 16,
  report: {
    examples: 40,
    systems: {
      base: { exactMatch: 0.1, editSimilarity: 0.5, identifierEm: 0.2, identifierF1: 0.3, loss: 1.9 },
      adapter: { exactMatch: 0.2, editSimilarity: 0.625, identifierEm: 0.3, identifierF1: 0.4, loss: 1.2 },
    },
    deltas: { "adapter-base": { editSimilarity: { mean: 0.125, low: 0.05, high: 0.2 } } },
    verdict: { adapterBetter: true, significant: true },
    samples: [{ path: "src/<x>.ts", reference: "a < b", predictions: { base: "a", adapter: "a < b" } }],
  },
  score: { adapter: 0.625, base: 0.5 },
  better: true,
  orgRepos: null,
};

describe("report card", () => {
  it("shows base vs adapter numbers, the delta and the verdict", () => {
    const html = renderReportHtml(adapter, { cspSource: "vscode-resource:" });
    expect(html).toContain("<td>0.500</td><td>0.625</td>");
    expect(html).toContain("+0.125 <small>[+0.050, +0.200]</small>");
    expect(html).toContain("Better than base:</strong> the adapter beats the base model");
    expect(html).toContain("Content-Security-Policy");
  });

  it("escapes repository text", () => {
    const html = renderReportHtml(adapter);
    expect(html).toContain("src/&#60;x&#62;.ts");
    expect(html).not.toContain("<x>");
  });

  it("copes with a bundle without a report", () => {
    expect(renderReportHtml({ ...adapter, report: null })).toContain("has no report card");
    expect(summarizeReport(null)).toBe("no report card");
    expect(summarizeReport(adapter.report)).toBe(
      "edit similarity 0.625 vs base 0.500 on 40 held-out examples: better than base",
    );
  });
});

describe("settings", () => {
  it("defaults, clamps and merges the per-language switch", () => {
    const values: Record<string, unknown> = {
      maxTokens: 99_999,
      debounceMs: "fast",
      enable: { python: false },
    };
    const settings = readSettings((key) => values[key]);
    expect(settings.maxTokens).toBe(2048);
    expect(settings.debounceMs).toBe(DEFAULT_SETTINGS.debounceMs);
    expect(isEnabledFor(settings, "python")).toBe(false);
    expect(isEnabledFor(settings, "markdown")).toBe(false);
    expect(isEnabledFor(settings, "typescript")).toBe(true);
  });

  it("reads the latency bounds under completion.*, clamped", () => {
    const values: Record<string, unknown> = {
      "completion.suffixShare": 0.9,
      "completion.timeoutMs": 500,
      "completion.skipUnshowable": false,
      "completion.maxLineSuffixChars": "many",
      "completion.warmUpMs": -5,
    };
    expect(readSettings((key) => values[key]).completion).toEqual({
      automatic: true,
      suffixShare: 0.5,
      timeoutMs: 500,
      skipUnshowable: false,
      maxLineSuffixChars: DEFAULT_SETTINGS.completion.maxLineSuffixChars,
      warmUpMs: 0,
    });
    expect(readSettings(() => undefined).completion).toEqual(DEFAULT_SETTINGS.completion);
  });

  it("answers the manual trigger always, typing only while automatic completions are on", () => {
    const automatic = readSettings(() => undefined);
    const manual = readSettings((key) => (key === "completion.automatic" ? false : undefined));
    expect(answersTrigger(automatic, "automatic")).toBe(true);
    expect(answersTrigger(automatic, "explicit")).toBe(true);
    expect(answersTrigger(manual, "automatic")).toBe(false);
    expect(answersTrigger(manual, "explicit")).toBe(true);
  });
});

describe("cli", () => {
  it("runs a script under the nodePath setting and an executable directly", () => {
    expect(cliCommand("/r/bin/repolora.mjs", "/n/node", ["serve"])).toEqual({
      command: "/n/node",
      args: ["/r/bin/repolora.mjs", "serve"],
      env: {},
    });
    expect(cliCommand("/usr/bin/repolora", "/n/node", ["serve"])).toEqual({
      command: "/usr/bin/repolora",
      args: ["serve"],
      env: {},
    });
  });

  it("prefers the setting, then the checkout the extension sits in", () => {
    expect(resolveCli({ setting: "/x/cli.mjs", extensionDir: "/nowhere" })).toBe("/x/cli.mjs");
    const repoExtension = new URL("../../", import.meta.url).pathname;
    expect(resolveCli({ setting: "", extensionDir: repoExtension })).toMatch(/bin\/repolora\.mjs$/);
    expect(resolveCli({ setting: "", extensionDir: "/nowhere", pathEnv: "" })).toBeNull();
  });
});
