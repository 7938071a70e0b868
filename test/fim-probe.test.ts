/**
 * The FIM probe (runtime/src/complete/fim-probe.ts): its case file is valid and balanced across languages; a
 * scripted model that reads the real qwen2.5-coder FIM prompt and fills the middle scores 100%; the ways a
 * non-FIM (Instruct) model answers score below a floor, so a broken FIM format fails. No real model.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type FimProbeCase,
  fimProbeCaseSchema,
  loadFimProbeCases,
  type ProbeCompleter,
  type ProbeRequest,
  probeRequest,
  runFimProbe,
} from "../runtime/src/complete/fim-probe.ts";
import { buildServingPrompt } from "../runtime/src/complete/prompt.ts";
import { DEFAULT_BUDGET, estimateTokens, getTemplate } from "../runtime/src/prompt/index.ts";

const CASES_FILE = join(import.meta.dirname, "fixtures", "fim-probe", "cases.jsonl");
const MIN_CASES_PER_LANGUAGE = 12;
/** A completion system whose FIM format is broken scores below this. */
const BROKEN_FORMAT_FLOOR = 0.3;

const cases = loadFimProbeCases(CASES_FILE);
const QWEN = getTemplate("qwen2.5-coder");

/** The prompt the runtime would feed the model for this request (the serving prompt builder, qwen template). */
function servingPromptText(request: ProbeRequest): string {
  const tokenizer = { encode: () => [], count: estimateTokens };
  return buildServingPrompt(request, QWEN, tokenizer, DEFAULT_BUDGET.maxTokens).text;
}

/** The prefix and suffix a FIM model sees, read back out of the prompt's markers. */
function readFimPrompt(text: string): { prefix: string; suffix: string } {
  const match = /<\|fim_prefix\|>([\s\S]*)<\|fim_suffix\|>([\s\S]*)<\|fim_middle\|>$/.exec(text);
  if (!match) throw new Error(`not a qwen2.5-coder FIM prompt: ${JSON.stringify(text.slice(-80))}`);
  return { prefix: match[1]!, suffix: match[2]! };
}

const key = (prefix: string, suffix: string) => JSON.stringify([prefix, suffix]);

/** A model that knows each case's middle, found only through what the FIM prompt shows it. */
function scriptedFimModel(answer: (probe: FimProbeCase) => string): ProbeCompleter {
  const byPrompt = new Map(cases.map((c) => [key(c.prefix, c.suffix), c]));
  return async (request) => {
    const seen = readFimPrompt(servingPromptText(request));
    const probe = byPrompt.get(key(seen.prefix, seen.suffix));
    return probe === undefined ? "" : answer(probe);
  };
}

describe("FIM probe cases", () => {
  it("are valid, unique and at least 12 per language in TypeScript, Python and Go", () => {
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const language of ["typescript", "python", "go"])
      expect(cases.filter((c) => c.language === language).length).toBeGreaterThanOrEqual(
        MIN_CASES_PER_LANGUAGE,
      );
    for (const probe of cases) expect(fimProbeCaseSchema.safeParse(probe).success).toBe(true);
  });

  it("keep prefix and suffix whole in the serving prompt (the budget cuts nothing)", () => {
    for (const probe of cases) {
      const seen = readFimPrompt(servingPromptText(probeRequest(probe)));
      expect(seen).toEqual({ prefix: probe.prefix, suffix: probe.suffix });
    }
  });
});

describe("FIM probe harness", () => {
  it("scores 100% for a model that fills the middle it reads from the FIM prompt", async () => {
    const report = await runFimProbe(
      cases,
      scriptedFimModel((c) => c.expected),
    );
    expect(report.results.filter((r) => !r.pass)).toEqual([]);
    expect(report.passRate).toBe(1);
    expect(Object.keys(report.byLanguage).sort()).toEqual(["go", "python", "typescript"]);
  });

  it("scores the middle as served: a model that runs on through the suffix is cut back to the middle", async () => {
    // Stop at the end of the line, then drop the repeated rest of the line: the runtime's own trimming.
    const report = await runFimProbe(
      cases,
      scriptedFimModel((c) => `${c.expected}${c.suffix}`),
    );
    expect(report.passRate).toBe(1);
  });

  it("fails a wrong middle", async () => {
    const report = await runFimProbe(
      cases,
      scriptedFimModel((c) => (c.id === "py-fibonacci" ? "fibonacci(n - 1) + fibonacci(n - 3)" : c.expected)),
    );
    expect(report.results.filter((r) => !r.pass).map((r) => r.id)).toEqual(["py-fibonacci"]);
    expect(report.byLanguage.python!.passed).toBe(report.byLanguage.python!.total - 1);
  });

  // The ways the Instruct base answers a FIM prompt (issue 11): each scores below the floor.
  const brokenModels: Record<string, (c: FimProbeCase) => string> = {
    "chat text": (c) =>
      `This code snippet defines a function in ${c.path}. The missing part is: ${c.expected}`,
    "a markdown fence": (c) => `\`\`\`${c.language}\n${c.prefix}${c.expected}${c.suffix}\`\`\``,
    "the cursor line rewritten": (c) =>
      `${c.prefix.slice(c.prefix.lastIndexOf("\n") + 1).trimStart()}${c.expected}`,
    "the whole file again": (c) => `${c.prefix}${c.expected}${c.suffix}`,
  };
  for (const [failure, answer] of Object.entries(brokenModels))
    it(`scores below ${BROKEN_FORMAT_FLOOR} for ${failure}`, async () => {
      const report = await runFimProbe(cases, scriptedFimModel(answer));
      expect(report.passRate).toBeLessThan(BROKEN_FORMAT_FLOOR);
    });

  it("refuses a case file with a bad case or a repeated id, naming the line", () => {
    const dir = mkdtempSync(join(tmpdir(), "repolora-fim-probe-"));
    try {
      const file = join(dir, "cases.jsonl");
      const good = JSON.stringify(cases[0]);
      writeFileSync(file, `${good}\n${JSON.stringify({ ...cases[1], expected: undefined })}\n`);
      expect(() => loadFimProbeCases(file)).toThrow(/cases\.jsonl:2: not a probe case: .*expected/);
      writeFileSync(file, `${good}\n\n${good}\n`);
      expect(() => loadFimProbeCases(file)).toThrow(/cases\.jsonl:3: duplicate id/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
