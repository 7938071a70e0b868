/**
 * The prompt order is one template id from the dataset to the runtime: a dataset built with the suffix-first
 * (SPM) template trains a bundle whose repolora.json records it, and the runtime serves that adapter's
 * workspaces with it. With SPM, a keystroke mid-file reuses the KV state of everything but the typed
 * character; with the native prefix-suffix-middle order only the prefix is reused. Tiny random int4 model.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBundleTemplate } from "../runtime/src/adapter/bundle-template.ts";
import { buildServingPrompt } from "../runtime/src/complete/prompt.ts";
import { shippedDefaultAdapterDir } from "../runtime/src/model/default-adapter.ts";
import { openModelPackage, prepareModelPackage } from "../runtime/src/model/package.ts";
import { loadTokenizer } from "../runtime/src/model/tokenizer.ts";
import { getTemplate, type TemplateId } from "../runtime/src/prompt/index.ts";
import { PROTOCOL_VERSION } from "../runtime/src/protocol/index.ts";
import { silentLogger } from "../runtime/src/server/log.ts";
import { RuntimeService } from "../runtime/src/server/service.ts";
import { TINY_QWEN2, writeRandomAdapter, writeRandomModel } from "../runtime/src/testing/random-model.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE } from "./helpers/fixture-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const PYTHON = join(ROOT, ".venv", "bin", "python");
const MODEL_ID = "repolora-tiny/qwen2-random";
const SPM: TemplateId = "qwen2.5-coder-spm";
const PSM: TemplateId = "qwen2.5-coder";

// The cursor mid-file: a function body to write, with code below it.
const PREFIX = "export function add(a: number, b: number): number {\n  return a";
const SUFFIX = "\n}\n\nexport function sub(a: number, b: number): number {\n  return a - b;\n}\n";
const request = {
  documentUri: "file:///repo/src/math.ts",
  path: "src/math.ts",
  languageId: "typescript",
  repoName: "repo",
  context: [],
  multiline: false,
  maxTokens: 3,
};

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** An adapter bundle as the trainer writes it, reduced to what the runtime reads; `template` null = not recorded. */
function writeBundle(dir: string, seed: number, template: string | null): string {
  writeRandomAdapter(dir, TINY_QWEN2, { rank: 4, alpha: 8, baseModelId: MODEL_ID, seed });
  const manifest = { schema: 1, baseModel: { id: MODEL_ID }, ...(template ? { prompt: { template } } : {}) };
  writeFileSync(join(dir, "repolora.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

describe("prompt order end to end (tiny random model)", { timeout: 300_000 }, () => {
  let work: string;
  let modelDir: string;
  let packageDir: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "repolora-prompt-order-"));
    modelDir = join(work, "model");
    writeRandomModel(modelDir, TINY_QWEN2);
    packageDir = join(work, "package");
    await prepareModelPackage({ source: modelDir, outDir: packageDir, id: MODEL_ID });
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function start(defaultAdapter: string | null = null, typingAnchor = true) {
    const service = new RuntimeService({ log: silentLogger, typingAnchor });
    await service.initialize({
      protocolVersion: PROTOCOL_VERSION,
      modelPackage: packageDir,
      threads: 1,
      defaultAdapter,
    });
    return service;
  }

  /** Two completions in one workspace: before and after typing one character at the cursor. */
  async function typeOneCharacter(service: RuntimeService, workspace: string) {
    const first = await service.complete(1, { ...request, workspace, prefix: PREFIX, suffix: SUFFIX });
    const second = await service.complete(2, { ...request, workspace, prefix: `${PREFIX} `, suffix: SUFFIX });
    return { first, second };
  }

  /** What the engine's prompt cache must reuse if `template` built both prompts (the first one's generated tokens never match). */
  function expectedReuse(template: TemplateId): {
    reused: number;
    promptTokens: number;
    suffixTokens: number;
  } {
    const tokenizer = loadTokenizer(openModelPackage(packageDir));
    const budget = TINY_QWEN2.maxPositions - 64;
    const build = (prefix: string) =>
      buildServingPrompt({ ...request, prefix, suffix: SUFFIX }, getTemplate(template), tokenizer, budget);
    const before = build(PREFIX);
    const after = build(`${PREFIX} `);
    return {
      reused: Math.min(commonPrefix(before.ids, after.ids), after.ids.length - 1),
      promptTokens: after.ids.length,
      suffixTokens: tokenizer.count(after.suffix),
    };
  }

  it("with SPM a keystroke mid-file reuses all but the typed character; with PSM (no typing anchor) only the prefix", async () => {
    const service = await start(null, false);
    try {
      await service.loadAdapter({ key: "spm", dir: writeBundle(join(work, "spm"), 31, SPM) });
      await service.loadAdapter({ key: "psm", dir: writeBundle(join(work, "psm"), 32, PSM) });
      service.setWorkspaceAdapters({ workspace: "fast", adapters: [{ key: "spm", weight: 1 }] });
      service.setWorkspaceAdapters({ workspace: "native", adapters: [{ key: "psm", weight: 1 }] });
      expect(service.workspaceTemplate("fast")).toBe(SPM);
      expect(service.workspaceTemplate("native")).toBe(PSM);

      const spm = await typeOneCharacter(service, "fast");
      const spmExpected = expectedReuse(SPM);
      expect(spm.second.promptTokens).toBe(spmExpected.promptTokens);
      expect(spm.second.reusedPromptTokens).toBe(spmExpected.reused);
      // The typed character and <|fim_middle|> are all that is fed again (a BPE merge could add one more).
      expect(spm.second.promptTokens - spm.second.reusedPromptTokens).toBeLessThanOrEqual(3);

      const psm = await typeOneCharacter(service, "native");
      const psmExpected = expectedReuse(PSM);
      expect(psm.second.reusedPromptTokens).toBe(psmExpected.reused);
      // Everything from the cursor on — the whole suffix — is fed again.
      expect(psm.second.promptTokens - psm.second.reusedPromptTokens).toBeGreaterThan(
        psmExpected.suffixTokens,
      );
      expect(psmExpected.suffixTokens).toBeGreaterThan(20);
    } finally {
      await service.shutdown();
    }
  });

  it("with the typing anchor (default), PSM keystrokes append the typed text (its last token healed) to the first prompt and re-feed no suffix", async () => {
    const service = await start();
    try {
      await service.loadAdapter({ key: "psm", dir: writeBundle(join(work, "anchored-psm"), 41, PSM) });
      service.setWorkspaceAdapters({ workspace: "native", adapters: [{ key: "psm", weight: 1 }] });
      const tokenizer = loadTokenizer(openModelPackage(packageDir));
      const budget = TINY_QWEN2.maxPositions - 64;
      const anchor = buildServingPrompt(
        { ...request, prefix: PREFIX, suffix: SUFFIX },
        getTemplate(PSM),
        tokenizer,
        budget,
      );
      const first = await service.complete(1, {
        ...request,
        workspace: "native",
        prefix: PREFIX,
        suffix: SUFFIX,
      });
      expect(first.promptTokens).toBe(anchor.ids.length);
      for (const [i, typed] of [" ", " +", " + b"].entries()) {
        const next = await service.complete(2 + i, {
          ...request,
          workspace: "native",
          prefix: `${PREFIX}${typed}`,
          suffix: SUFFIX,
        });
        // Token healing: the typed text's last token is left out; the completion must start with its text.
        const typedIds = tokenizer.encode(typed);
        expect(next.promptTokens).toBe(anchor.ids.length + typedIds.length - 1);
        // Everything up to the anchor's <|fim_middle|> — the suffix included — comes from the cache (one token
        // is always fed, for the logits).
        expect(next.reusedPromptTokens).toBeGreaterThanOrEqual(
          Math.min(anchor.ids.length, next.promptTokens - 1),
        );
        expect(next.promptTokens - next.reusedPromptTokens).toBeLessThanOrEqual(tokenizer.count(typed));
      }
      // A changed suffix (an edit below the cursor) starts a new anchor: its prompt is built afresh.
      const changed = `${SUFFIX}// more\n`;
      const renewed = await service.complete(9, {
        ...request,
        workspace: "native",
        prefix: `${PREFIX} + b`,
        suffix: changed,
      });
      const fresh = buildServingPrompt(
        { ...request, prefix: `${PREFIX} + b`, suffix: changed },
        getTemplate(PSM),
        tokenizer,
        budget,
      );
      expect(renewed.promptTokens).toBe(fresh.ids.length);
      expect(renewed.reusedPromptTokens).toBeLessThan(fresh.ids.length - tokenizer.count(fresh.suffix));
    } finally {
      await service.shutdown();
    }
  });

  it("refuses a stack of adapters trained with different templates, naming both", async () => {
    const service = await start();
    try {
      await service.loadAdapter({ key: "spm", dir: writeBundle(join(work, "stack-spm"), 33, SPM) });
      // A bundle from before the field (or a plain PEFT folder) was trained with the native template.
      await service.loadAdapter({ key: "old", dir: writeBundle(join(work, "stack-old"), 34, null) });
      expect(() =>
        service.setWorkspaceAdapters({
          workspace: "w",
          adapters: [
            { key: "spm", weight: 1 },
            { key: "old", weight: 0.5 },
          ],
        }),
      ).toThrow(
        /adapter-template-conflict: adapters spm \(prompt template qwen2\.5-coder-spm\) and old \(prompt template qwen2\.5-coder\)/,
      );
      // Reloading a bound key with another template is caught when the workspace completes.
      await service.loadAdapter({ key: "spm2", dir: writeBundle(join(work, "stack-spm2"), 35, SPM) });
      service.setWorkspaceAdapters({
        workspace: "w",
        adapters: [
          { key: "spm", weight: 1 },
          { key: "spm2", weight: 1 },
        ],
      });
      expect(service.workspaceTemplate("w")).toBe(SPM);
      await service.loadAdapter({ key: "spm2", dir: join(work, "stack-old") });
      await expect(
        service.complete(3, { ...request, workspace: "w", prefix: PREFIX, suffix: SUFFIX }),
      ).rejects.toThrow(
        /adapter-template-conflict: adapters spm .* and spm2 \(prompt template qwen2\.5-coder\)/,
      );
    } finally {
      await service.shutdown();
    }
  });

  it("refuses a template the model's tokenizer cannot express, and one it does not know", async () => {
    const service = await start();
    try {
      const starcoder = writeBundle(join(work, "starcoder"), 36, "starcoder2");
      const rejection = await service
        .loadAdapter({ key: "sc", dir: starcoder })
        .catch((error: unknown) => error);
      expect(rejection).toMatchObject({ code: "ADAPTER_MISMATCH" });
      expect((rejection as Error).message).toMatch(
        /^adapter-template-unsupported: .*starcoder was trained with prompt template starcoder2, but this model's tokenizer has no special token <repo_name>, <file_sep>, <fim_prefix>, <fim_suffix>, <fim_middle> \(its native template is qwen2\.5-coder\)/,
      );
      const future = writeBundle(join(work, "future"), 37, "qwen3-coder-xyz");
      await expect(service.loadAdapter({ key: "f", dir: future })).rejects.toThrow(
        /adapter-template-unsupported: .*records prompt template "qwen3-coder-xyz", which this runtime does not know/,
      );
      expect(service.stats().adapters).toEqual([]); // neither was loaded
    } finally {
      await service.shutdown();
    }
  });

  it("the default adapter's template serves unbound workspaces; the shipped one records none (PSM)", async () => {
    expect(readBundleTemplate(shippedDefaultAdapterDir())).toBeNull();
    const psmDefault = await start(writeBundle(join(work, "default-psm"), 38, null));
    try {
      expect(psmDefault.workspaceTemplate("unbound")).toBe(PSM);
    } finally {
      await psmDefault.shutdown();
    }
    const spmDefault = await start(writeBundle(join(work, "default-spm"), 39, SPM));
    try {
      expect(spmDefault.workspaceTemplate("unbound")).toBe(SPM);
      await spmDefault.loadAdapter({ key: "own", dir: writeBundle(join(work, "own-psm"), 40, null) });
      spmDefault.setWorkspaceAdapters({ workspace: "repo", adapters: [{ key: "own", weight: 1 }] });
      expect(spmDefault.workspaceTemplate("repo")).toBe(PSM);
    } finally {
      await spmDefault.shutdown();
    }
  });

  it.skipIf(!existsSync(PYTHON))(
    "a dataset built with the SPM template trains a bundle recording it, and the runtime serves it with SPM",
    async () => {
      const { repo } = buildFixtureRepo();
      const dataset = join(work, "dataset-spm");
      const build = spawnSync(
        "node",
        [
          join(ROOT, "bin/repolora.mjs"),
          "dataset",
          repo.root,
          "--out",
          dataset,
          "--eval-share",
          String(FIXTURE_EVAL_SHARE),
          "--template",
          SPM,
        ],
        { encoding: "utf8" },
      );
      expect(build.status, build.stderr).toBe(0);
      const record = JSON.parse(readFileSync(join(dataset, "train.jsonl"), "utf8").split("\n")[0]!);
      expect(record.prompt.template).toBe(SPM);
      expect(record.prompt.text).toMatch(/<\|fim_suffix\|>[\s\S]*<\|fim_prefix\|>[\s\S]*<\|fim_middle\|>$/);

      const bundle = join(work, "bundle-spm");
      const train = spawnSync(
        PYTHON,
        [
          "-m",
          "repolora_trainer",
          "train",
          "--dataset",
          dataset,
          "--out",
          bundle,
          "--base-model",
          modelDir,
        ].concat(["--max-steps", "1", "--max-tokens", "256", "--no-eval"]),
        { encoding: "utf8" },
      );
      expect(train.status, train.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(bundle, "repolora.json"), "utf8")).prompt).toEqual({
        template: SPM,
      });

      const service = await start();
      try {
        await service.loadAdapter({ key: "trained", dir: bundle });
        service.setWorkspaceAdapters({ workspace: "repo", adapters: [{ key: "trained", weight: 1 }] });
        expect(service.workspaceTemplate("repo")).toBe(SPM);
        const { second } = await typeOneCharacter(service, "repo");
        expect(second.reusedPromptTokens).toBe(expectedReuse(SPM).reused);
      } finally {
        await service.shutdown();
      }
    },
  );
});
