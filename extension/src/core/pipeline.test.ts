/**
 * Completion cases through the real pipeline (prefilter, multi-line decision, cache, debounce, context, model
 * call, postprocess) with a scripted model, Continue-style: each case is a file with a cursor marker, what the
 * model says, and the ghost text the user should see (null = nothing shown).
 */
import { describe, expect, it, vi } from "vitest";
import { CompletionCache } from "./completion-cache.ts";
import { ContextRing } from "./context-ring.ts";
import { Debouncer } from "./debounce.ts";
import { MemoryLogger } from "./log.ts";
import {
  type CompleteParams,
  type CompleteResult,
  CompletionPipeline,
  DEFAULT_PIPELINE_SETTINGS,
  type ModelCall,
  type PipelineSettings,
} from "./pipeline.ts";

const CURSOR = "<|cursor|>";

interface Case {
  description: string;
  languageId?: string;
  file: string;
  modelOutput: string;
  expectedCompletion: string | null;
  /** Whether the model was asked for a multi-line completion (checked when given). */
  multiline?: boolean;
}

const CASES: Case[] = [
  {
    description: "single line at the end of a statement start",
    file: `const total = ${CURSOR}\n`,
    modelOutput: "items.length;",
    expectedCompletion: "items.length;",
    multiline: false,
  },
  {
    description: "single-line request cuts whatever follows the first line",
    file: `const total = ${CURSOR}\nconsole.log(total);\n`,
    modelOutput: "a + b;\nconsole.log(total);\nconsole.log(total);",
    expectedCompletion: "a + b;",
    multiline: false,
  },
  {
    description: "closing parenthesis after the cursor is not repeated",
    file: `console.log(${CURSOR})\n`,
    modelOutput: "user.name)",
    expectedCompletion: "user.name",
    multiline: false,
  },
  {
    description: "closers the completion opened itself are kept",
    file: `console.log(${CURSOR})\n`,
    modelOutput: "format(user)",
    expectedCompletion: "format(user)",
  },
  {
    description: "`);` after the cursor is trimmed from the completion",
    file: `fetchUser(${CURSOR});\n`,
    modelOutput: "id, { cache: true });",
    expectedCompletion: "id, { cache: true }",
  },
  {
    description: "closing quote after the cursor is not repeated",
    file: `const greeting = "${CURSOR}";\n`,
    modelOutput: 'Hello, world";',
    expectedCompletion: "Hello, world",
  },
  {
    description: "multi-line after an opening brace, stopping before the suffix's closing brace",
    file: `function area(r: number) {${CURSOR}\n}\n`,
    modelOutput: "\n  return Math.PI * r * r;\n}",
    expectedCompletion: "\n  return Math.PI * r * r;",
    multiline: true,
  },
  {
    description: "multi-line on the blank line below an opener",
    file: `function area(r: number) {\n  ${CURSOR}\n}\n`,
    modelOutput: "const squared = r * r;\n  return Math.PI * squared;\n}\n",
    expectedCompletion: "const squared = r * r;\n  return Math.PI * squared;",
    multiline: true,
  },
  {
    description: "an inner closing brace with other indentation is not mistaken for the suffix",
    file: `function f(a: boolean) {\n  ${CURSOR}\n}\n`,
    modelOutput: "if (a) {\n    go();\n  }\n  stop();\n}",
    expectedCompletion: "if (a) {\n    go();\n  }\n  stop();",
    multiline: true,
  },
  {
    description: "Python block after a colon is multi-line",
    languageId: "python",
    file: `def add(a, b):\n    ${CURSOR}\n`,
    modelOutput: "total = a + b\n    return total\n",
    expectedCompletion: "total = a + b\n    return total",
    multiline: true,
  },
  {
    description: "Python: a colon inside a statement line is single-line",
    languageId: "python",
    file: `values = {"a": ${CURSOR}}\n`,
    modelOutput: '1, "b": 2}',
    expectedCompletion: '1, "b": 2',
    multiline: false,
  },
  {
    description: "a model stuck repeating a line is cut after the first repeat",
    file: `function f() {\n  ${CURSOR}\n}\n`,
    modelOutput: "log();\n  log();\n  log();\n  log();\n  log();",
    expectedCompletion: "log();\n  log();",
  },
  {
    description: "a completion that only repeats the rest of the line shows nothing",
    file: `console.log(${CURSOR});\n`,
    modelOutput: ");",
    expectedCompletion: null,
  },
  {
    description: "whitespace-only output shows nothing",
    file: `const a = ${CURSOR}\n`,
    modelOutput: "   \n  ",
    expectedCompletion: null,
  },
  {
    description: "mid-word cursor (text after it on the line) is not completed and the model is not asked",
    file: `const na${CURSOR}me = 1;\n`,
    modelOutput: "should not be asked",
    expectedCompletion: null,
  },
  {
    description: "Windows line endings from the model are normalised",
    file: `function f() {\n  ${CURSOR}\n}\n`,
    modelOutput: "a();\r\n  b();\r\n}",
    expectedCompletion: "a();\n  b();",
  },
];

function split(file: string): { prefix: string; suffix: string } {
  const at = file.indexOf(CURSOR);
  if (at < 0) throw new Error("case without cursor marker");
  return { prefix: file.slice(0, at), suffix: file.slice(at + CURSOR.length) };
}

function result(text: string, params: CompleteParams): CompleteResult {
  return {
    text,
    stopReason: params.multiline ? "end-of-block" : "end-of-line",
    completionTokens: 4,
    promptTokens: 20,
    reusedPromptTokens: 0,
    adapters: [],
    timings: { queueMs: 0, prefillMs: 1, decodeMs: 1, totalMs: 2 },
  };
}

function makePipeline(model: ModelCall, debounceMs = 0, overrides: Partial<PipelineSettings> = {}) {
  const log = new MemoryLogger();
  const ring = new ContextRing();
  const pipeline = new CompletionPipeline({
    model,
    cache: new CompletionCache(),
    ring,
    debouncer: new Debouncer(),
    settings: () => ({ ...DEFAULT_PIPELINE_SETTINGS, debounceMs, ...overrides }),
    scope: () => "test",
    log,
  });
  return { pipeline, ring, log };
}

function input(file: string, languageId = "typescript", documentUri = "file:///repo/src/a.ts") {
  return {
    workspace: "file:///repo",
    documentUri,
    path: "src/a.ts",
    languageId,
    repoName: "repo",
    ...split(file),
  };
}

describe("completion cases through the pipeline", () => {
  for (const c of CASES) {
    it(c.description, async () => {
      const calls: CompleteParams[] = [];
      const { pipeline } = makePipeline(async (params) => {
        calls.push(params);
        return result(c.modelOutput, params);
      });
      const completion = await pipeline.complete(input(c.file, c.languageId), new AbortController().signal);
      expect(completion?.text ?? null).toBe(c.expectedCompletion);
      if (c.multiline !== undefined) expect(calls[0]?.multiline).toBe(c.multiline);
    });
  }
});

describe("pipeline behaviour", () => {
  it("sends the request the protocol describes, with context from the ring", async () => {
    let seen: CompleteParams | undefined;
    const { pipeline, ring } = makePipeline(async (params) => {
      seen = params;
      return result("1;", params);
    });
    ring.pick(
      {
        uri: "file:///repo/src/util.ts",
        path: "src/util.ts",
        text: "export const a = 1;\nexport const b = 2;\nexport const c = 3;\n",
      },
      0,
    );
    ring.flush();
    await pipeline.complete(input(`const x = ${CURSOR}\n`), new AbortController().signal);
    expect(seen).toMatchObject({
      workspace: "file:///repo",
      documentUri: "file:///repo/src/a.ts",
      path: "src/a.ts",
      languageId: "typescript",
      repoName: "repo",
      prefix: "const x = ",
      suffix: "\n",
      multiline: false,
      maxTokens: DEFAULT_PIPELINE_SETTINGS.maxTokens,
      context: [
        { path: "src/util.ts", text: "export const a = 1;\nexport const b = 2;\nexport const c = 3;\n" },
      ],
    });
  });

  it("serves a repeated request from the cache without asking the model", async () => {
    const model = vi.fn(async (params: CompleteParams) => result("items.length;", params));
    const { pipeline } = makePipeline(model);
    const signal = new AbortController().signal;
    await pipeline.complete(input(`const total = ${CURSOR}\n`), signal);
    const again = await pipeline.complete(input(`const total = ${CURSOR}\n`), signal);
    expect(again).toMatchObject({ text: "items.length;", source: "cache" });
    expect(model).toHaveBeenCalledTimes(1);
  });

  it("walks back: typing into a suggestion shows the rest of it without a model call", async () => {
    const model = vi.fn(async (params: CompleteParams) => result("items.length;", params));
    const { pipeline } = makePipeline(model);
    const signal = new AbortController().signal;
    await pipeline.complete(input(`const total = ${CURSOR}\n`), signal);
    const typed = await pipeline.complete(input(`const total = item${CURSOR}\n`), signal);
    expect(typed).toMatchObject({ text: "s.length;", source: "cache" });
    expect(model).toHaveBeenCalledTimes(1);
  });

  it("a cancelled request aborts the model call and shows nothing", async () => {
    let modelSignal: AbortSignal | undefined;
    const { pipeline } = makePipeline(
      (params, signal) =>
        new Promise((resolve, reject) => {
          modelSignal = signal;
          signal.addEventListener("abort", () => reject(new Error("aborted")));
          setTimeout(() => resolve(result("late;", params)), 1000);
        }),
    );
    const controller = new AbortController();
    const pending = pipeline.complete(input(`const a = ${CURSOR}\n`), controller.signal);
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await pending).toBeNull();
    expect(modelSignal?.aborted).toBe(true);
  });

  it("a newer keystroke cancels the older request, so requests never pile up", async () => {
    const signals: AbortSignal[] = [];
    const { pipeline } = makePipeline(
      (params, signal) =>
        new Promise((resolve, reject) => {
          signals.push(signal);
          signal.addEventListener("abort", () => reject(new Error("aborted")));
          setTimeout(() => resolve(result(`${params.prefix.length};`, params)), 30);
        }),
    );
    const first = pipeline.complete(input(`const a = ${CURSOR}\n`), new AbortController().signal);
    await new Promise((r) => setTimeout(r, 5));
    const second = pipeline.complete(input(`const ab = ${CURSOR}\n`), new AbortController().signal);
    expect(await first).toBeNull();
    expect((await second)?.text).toBe("11;");
    expect(signals[0]?.aborted).toBe(true);
  });

  it("debounces: of a burst of keystrokes only the last reaches the model", async () => {
    const model = vi.fn(async (params: CompleteParams) => result("x;", params));
    const { pipeline } = makePipeline(model, 40);
    const burst = ["c", "co", "con", "cons"].map((typed) =>
      pipeline.complete(input(`${typed}${CURSOR}\n`), new AbortController().signal),
    );
    const results = await Promise.all(burst);
    expect(results.slice(0, 3)).toEqual([null, null, null]);
    expect(results[3]?.text).toBe("x;");
    expect(model).toHaveBeenCalledTimes(1);
  });

  it("a model error is logged and shows nothing", async () => {
    const { pipeline, log } = makePipeline(async () => {
      throw new Error("runtime down");
    });
    expect(await pipeline.complete(input(`const a = ${CURSOR}\n`), new AbortController().signal)).toBeNull();
    expect(log.events()).toContain("complete.error");
  });

  it("logs which adapters and context produced a completion", async () => {
    const { pipeline, log } = makePipeline(async (params) => ({
      ...result("1;", params),
      adapters: [{ key: "repo@1", weight: 1 }],
    }));
    await pipeline.complete(input(`const a = ${CURSOR}\n`), new AbortController().signal);
    const line = log.lines.find((l) => l.event === "complete");
    expect(line?.fields).toMatchObject({
      adapters: [{ key: "repo@1", weight: 1 }],
      context: [],
      shown: "1;",
    });
  });
});

describe("latency bounds in the pipeline", () => {
  it("sends the suffix share and the time cap; a cap of 0 sends none", async () => {
    const seen: CompleteParams[] = [];
    const model = async (params: CompleteParams) => {
      seen.push(params);
      return result("1;", params);
    };
    await makePipeline(model, 0, { suffixShare: 0.1, timeoutMs: 700 }).pipeline.complete(
      input(`const a = ${CURSOR}\n`),
      new AbortController().signal,
    );
    await makePipeline(model, 0, { timeoutMs: 0 }).pipeline.complete(
      input(`const a = ${CURSOR}\n`),
      new AbortController().signal,
    );
    expect(seen[0]).toMatchObject({ suffixShare: 0.1, timeoutMs: 700 });
    expect(seen[1]?.suffixShare).toBe(DEFAULT_PIPELINE_SETTINGS.suffixShare);
    expect(seen[1]).not.toHaveProperty("timeoutMs");
  });

  const skipCases: Array<{
    description: string;
    file: string;
    settings: Partial<PipelineSettings>;
    asked: boolean;
    reason?: string;
    explicit?: boolean;
  }> = [
    {
      description: "mid-word is skipped",
      file: `const na${CURSOR}me = 1;\n`,
      settings: {},
      asked: false,
      reason: "mid-word",
    },
    {
      description: "much text right of the cursor is skipped",
      file: `const v = ${CURSOR}computeSomething(a, b);\n`,
      settings: {},
      asked: false,
      reason: "mid-line",
    },
    { description: "a short rest of line is asked", file: `f(${CURSOR}, b)\n`, settings: {}, asked: true },
    {
      description: "with the rules off, mid-word is asked",
      file: `const na${CURSOR}me = 1;\n`,
      settings: { skipUnshowable: false },
      asked: true,
    },
    {
      description: "with the rules off, much text right of the cursor is asked",
      file: `const v = ${CURSOR}computeSomething(a, b);\n`,
      settings: { skipUnshowable: false },
      asked: true,
    },
    {
      description: "the manual trigger asks mid-word, with the rules on",
      file: `const na${CURSOR}me = 1;\n`,
      settings: {},
      asked: true,
      explicit: true,
    },
  ];
  for (const c of skipCases) {
    it(c.description, async () => {
      const model = vi.fn(async (params: CompleteParams) => result("x", params));
      const { pipeline, log } = makePipeline(model, 0, c.settings);
      await pipeline.complete({ ...input(c.file), explicit: c.explicit }, new AbortController().signal);
      expect(model).toHaveBeenCalledTimes(c.asked ? 1 : 0);
      if (c.reason) {
        expect(log.lines.find((l) => l.event === "complete.skip")?.fields).toMatchObject({
          reason: c.reason,
        });
      }
    });
  }

  it("walks forward: typing through the first line of a multi-line suggestion keeps the rest shown", async () => {
    const model = vi.fn(async (params: CompleteParams) =>
      result("\n  const squared = r * r;\n  return Math.PI * squared;", params),
    );
    const { pipeline, log } = makePipeline(model);
    const signal = new AbortController().signal;
    const head = "function area(r: number) {";
    const first = await pipeline.complete(input(`${head}${CURSOR}\n}\n`), signal);
    expect(first).toMatchObject({ source: "model", multiline: true });
    const typed = await pipeline.complete(
      input(`${head}\n  const squared = r * r;\n  ret${CURSOR}\n}\n`),
      signal,
    );
    expect(typed).toMatchObject({ text: "urn Math.PI * squared;", source: "cache" });
    expect(model).toHaveBeenCalledTimes(1);
    expect(log.lines.find((l) => l.event === "complete.cache")?.fields).toMatchObject({ walkedForward: 31 });
    // Diverging from the suggestion asks the model again.
    await pipeline.complete(input(`${head}\n  const squared = r ** 2;${CURSOR}\n}\n`), signal);
    expect(model).toHaveBeenCalledTimes(2);
  });

  it("a completion cut by the time cap shows what the runtime kept, or nothing", async () => {
    const timed = (text: string) => async (params: CompleteParams) => ({
      ...result(text, params),
      stopReason: "time-limit" as const,
    });
    const signal = new AbortController().signal;
    const kept = await makePipeline(timed("items.")).pipeline.complete(
      input(`const a = ${CURSOR}\n`),
      signal,
    );
    expect(kept?.text).toBe("items.");
    expect(kept?.result?.stopReason).toBe("time-limit");
    expect(
      await makePipeline(timed("")).pipeline.complete(input(`const a = ${CURSOR}\n`), signal),
    ).toBeNull();
  });
});

describe("warming the runtime up where the cursor rests", () => {
  it("sends the request a keystroke there would send, for one token, and shows or caches nothing", async () => {
    const calls: CompleteParams[] = [];
    const { pipeline, log } = makePipeline(async (params) => {
      calls.push(params);
      return result(params.maxTokens === 1 ? "x" : "items.length;", params);
    });
    const signal = new AbortController().signal;
    expect(await pipeline.warm(input(`const total = ${CURSOR}\n`), signal)).toBe(true);
    const completion = await pipeline.complete(input(`const total = ${CURSOR}\n`), signal);
    expect(completion).toMatchObject({ text: "items.length;", source: "model" }); // not the warm-up's "x"
    expect(calls).toHaveLength(2);
    const { maxTokens: warmMax, timeoutMs: warmCap, ...warm } = calls[0]!;
    const { maxTokens, timeoutMs, ...keystroke } = calls[1]!;
    expect(warm).toEqual(keystroke); // same prompt inputs: the keystroke's prompt extends the warm one
    expect([warmMax, warmCap, maxTokens, timeoutMs]).toEqual([1, undefined, 128, 1000]);
    expect(log.lines.some((l) => l.event === "complete.warm")).toBe(true);
  });

  it("is skipped where completions would be, while one is in flight, and when off", async () => {
    const model = vi.fn(async (params: CompleteParams) => result("a", params));
    const signal = new AbortController().signal;
    const { pipeline } = makePipeline(model);
    expect(await pipeline.warm(input(`const to${CURSOR}tal = 1;\n`), signal)).toBe(false); // mid-word
    let release: () => void = () => {};
    const slow = makePipeline(
      (params) => new Promise<CompleteResult>((done) => (release = () => done(result("a", params)))),
    ).pipeline;
    const running = slow.complete(input(`const a = ${CURSOR}\n`), signal);
    await new Promise((tick) => setTimeout(tick, 0));
    expect(await slow.warm(input(`const b = ${CURSOR}\n`), signal)).toBe(false);
    release();
    await running;
    const off = makePipeline(model, 0, { warmUpMs: 0 }).pipeline;
    expect(await off.warm(input(`const a = ${CURSOR}\n`), signal)).toBe(false);
    expect(model).not.toHaveBeenCalled();
  });

  it("a keystroke cancels a warm-up still waiting", async () => {
    const seen: AbortSignal[] = [];
    const { pipeline } = makePipeline(
      (params, signal) =>
        new Promise<CompleteResult>((done) => {
          seen.push(signal);
          if (params.maxTokens !== 1) done(result("a", params));
          signal.addEventListener("abort", () => done({ ...result("", params), stopReason: "cancelled" }));
        }),
    );
    const signal = new AbortController().signal;
    const warming = pipeline.warm(input(`const a = ${CURSOR}\n`), signal);
    await new Promise((tick) => setTimeout(tick, 0));
    await pipeline.complete(input(`const a = b${CURSOR}\n`), signal);
    expect(seen[0]?.aborted).toBe(true);
    expect(await warming).toBe(false);
  });
});

describe("typing into a suggestion past an auto-closed bracket", () => {
  it("keeps serving it from the cache, finished against the suffix the editor changed", async () => {
    const model = vi.fn(async (params: CompleteParams) => result("format(user, options);", params));
    const { pipeline, log } = makePipeline(model);
    const signal = new AbortController().signal;
    const first = await pipeline.complete(input(`const text = ${CURSOR}\nreturn text;\n`), signal);
    expect(first?.text).toBe("format(user, options);");
    // typed "format(": the editor put ")" after the cursor
    const typed = await pipeline.complete(input(`const text = format(${CURSOR})\nreturn text;\n`), signal);
    expect(typed).toMatchObject({ source: "cache", text: "user, options" });
    expect(model).toHaveBeenCalledTimes(1);
    expect(log.lines.find((l) => l.event === "complete.cache")?.fields).toMatchObject({ walkedForward: 7 });
    // any other change of the suffix is a miss
    await pipeline.complete(input(`const text = format(${CURSOR}x)\nreturn text;\n`), signal);
    expect(model).toHaveBeenCalledTimes(2);
  });
});
