/**
 * The per-request time cap and the suffix budget on a tiny random-weight Qwen2 package (no Python): the decode
 * loop stops where its deadline says, keeping the tokens chosen so far, in process and through the engine
 * worker; the suffix share bounds the prompt. No wall-clock assertions: the deadline is driven by a step count
 * or is already spent (0 ms), and "no cap" is compared with a cap far beyond the run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServingPrompt } from "../runtime/src/complete/prompt.ts";
import { DecoderEngine } from "../runtime/src/engine/decoder-engine.ts";
import { EngineClient } from "../runtime/src/engine/engine-client.ts";
import { type ModelPackage, openModelPackage, prepareModelPackage } from "../runtime/src/model/package.ts";
import { loadTokenizer } from "../runtime/src/model/tokenizer.ts";
import { getTemplate } from "../runtime/src/prompt/index.ts";
import { parseParams } from "../runtime/src/server/params.ts";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";

const PROMPT_TEXT = "function add(a, b) {\n  return a + b;\n}\n\nfunction mul(a, b) {\n  return ";

describe("time cap and suffix budget (tiny random model)", () => {
  let work: string;
  let pkg: ModelPackage;
  let engine: DecoderEngine;
  let prompt: number[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "repolora-time-cap-"));
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    await prepareModelPackage({ source: join(work, "model"), outDir: join(work, "package"), id: "tiny" });
    pkg = openModelPackage(join(work, "package"));
    engine = await DecoderEngine.create(pkg, { intraOpNumThreads: 1 });
    prompt = loadTokenizer(pkg).encode(PROMPT_TEXT);
  });

  afterAll(async () => {
    await engine?.release();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // No stop tokens: the uncapped run always makes maxNewTokens tokens, whatever the random weights say.
  const base = { maxNewTokens: 8, stopTokenIds: [] as number[] };

  it("stops decoding when the deadline passes and keeps the tokens chosen so far", async () => {
    const full = await engine.generate(prompt, base);
    expect(full.tokens).toHaveLength(8);
    expect(full.stopReason).toBe("max-tokens");
    for (const allowed of [1, 3, 5]) {
      let emitted = 0;
      const capped = await engine.generate(prompt, {
        ...base,
        onToken: () => {
          emitted += 1;
        },
        isExpired: () => emitted >= allowed,
      });
      expect(capped.stopReason).toBe("time-limit");
      expect(capped.tokens).toEqual(full.tokens.slice(0, allowed));
      // The cache holds the prompt and every emitted token but the last, as for any other stop.
      expect(capped.cache.length).toBe(prompt.length + allowed - 1);
    }
  });

  it("an already spent cap returns no tokens and skips the prefill", async () => {
    const out = await engine.generate(prompt, { ...base, isExpired: () => true });
    expect(out.stopReason).toBe("time-limit");
    expect(out.tokens).toEqual([]);
    expect(out.cache.length).toBe(0);
  });

  it("the worker applies timeoutMs: 0 ms stops at once, a cap beyond the run changes nothing", async () => {
    const client = await EngineClient.start(join(work, "package"), { intraOpNumThreads: 1 });
    try {
      const uncapped = await client.generate(prompt, base);
      const spent = await client.generate(prompt, { ...base, timeoutMs: 0 });
      expect(spent.stopReason).toBe("time-limit");
      expect(spent.tokens).toEqual([]);
      const generous = await client.generate(prompt, { ...base, timeoutMs: 3_600_000 });
      expect(generous.stopReason).toBe("max-tokens");
      expect(generous.tokens).toEqual(uncapped.tokens);
    } finally {
      await client.close();
    }
  });

  it("the suffix share bounds the suffix's tokens in the serving prompt", () => {
    const tokenizer = loadTokenizer(pkg);
    const template = getTemplate(pkg.manifest.fimTemplate!);
    const suffix = Array.from({ length: 200 }, (_, i) => `  const v${i} = compute(${i});`).join("\n");
    const request = { repoName: "r", path: "a.ts", prefix: PROMPT_TEXT, suffix, context: [] };
    const kept = (share?: number) => buildServingPrompt(request, template, tokenizer, 512, share).suffix;
    for (const share of [0.05, 0.2, 0.4]) {
      expect(tokenizer.count(kept(share))).toBeLessThanOrEqual(Math.floor(512 * share));
      expect(tokenizer.count(kept(share))).toBeGreaterThan(Math.floor(512 * share) - 30); // whole lines only
    }
    expect(kept()).toBe(kept(0.2)); // the default is the dataset's share
    expect(kept(0)).toBe("");
  });

  it("the protocol validates suffixShare and timeoutMs", () => {
    const params = {
      workspace: "w",
      documentUri: "file:///a.ts",
      path: "a.ts",
      languageId: "typescript",
      repoName: "r",
      prefix: "",
      suffix: "",
      context: [],
      multiline: false,
    };
    expect(parseParams("complete", { ...params, suffixShare: 0.1, timeoutMs: 800 })).toMatchObject({
      suffixShare: 0.1,
      timeoutMs: 800,
    });
    expect(() => parseParams("complete", { ...params, suffixShare: 0.9 })).toThrow(/params\.suffixShare/);
    expect(() => parseParams("complete", { ...params, timeoutMs: 0 })).toThrow(/params\.timeoutMs/);
  });
});
