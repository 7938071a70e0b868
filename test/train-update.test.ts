/**
 * `repolora train --update` (incremental retrain): the subset (changed files + seeded replay), continuing the
 * active adapter's weights, scoring it against the previous adapter on the same held-out examples, and the rule
 * that decides which one is active. Unit tests of the selection and the rule need no Python.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  changedPaths,
  compareWithPrevious,
  type PreviousAdapter,
  scaledLength,
  selectUpdateExamples,
  updateTrainerConfig,
} from "../generator/src/train/update.ts";
import { parseTrainRunLine } from "../runtime/src/contracts/train-events.ts";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";
import { buildFixtureRepo } from "./helpers/fixture-repo.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const hasPython = existsSync(join(ROOT, ".venv", "bin", "python"));

function previousWith(
  trainConfig: Record<string, unknown> | null,
  trainExamples: number | null,
): PreviousAdapter {
  return { trainConfig, trainExamples } as unknown as PreviousAdapter;
}

describe("update selection and rule", () => {
  const records = Array.from({ length: 100 }, (_, i) => ({ path: `f${i % 10}.ts`, i }));

  it("takes every example of a changed file plus a seeded replay share of the others", () => {
    const changed = new Set(["f1.ts", "f2.ts"]);
    const a = selectUpdateExamples(records, changed, 0.3, 1, "k");
    expect(a.changed).toHaveLength(20);
    expect(a.changed.every((r) => changed.has(r.path))).toBe(true);
    expect(a.replay).toHaveLength(9); // 20 * 0.3 / 0.7 = 8.6
    expect(a.replay.every((r) => !changed.has(r.path))).toBe(true);
    expect(a.replay.map((r) => r.i)).toEqual([...a.replay.map((r) => r.i)].sort((x, y) => x - y));
    expect(a.train).toEqual([...a.changed, ...a.replay]);
    expect(selectUpdateExamples(records, changed, 0.3, 1, "k").replay).toEqual(a.replay); // seeded
    expect(selectUpdateExamples(records, changed, 0.3, 2, "k").replay).not.toEqual(a.replay);
    expect(selectUpdateExamples(records, changed, 0, 1, "k").replay).toHaveLength(0);
    // Not enough unchanged examples: all of them.
    expect(
      selectUpdateExamples(records, new Set(records.map((r) => r.path)).add("x"), 0.5, 1, "k").train,
    ).toHaveLength(100);
    expect(selectUpdateExamples(records, new Set(["f0.ts"]), 0.9, 1, "k").replay).toHaveLength(90);
    expect(() => selectUpdateExamples(records, changed, 1, 1, "k")).toThrow(RangeError);
  });

  it("inherits the previous recipe without its length, and scales steps and budget to the subset", () => {
    const previous = previousWith(
      {
        lr: 0.001,
        micro_batch: 2,
        max_steps: 24,
        budget_seconds: 600,
        max_tokens: 256,
        init_adapter: "/x",
        rank: 8,
      },
      400,
    );
    expect(updateTrainerConfig(previous, { microBatch: 1, report_limit: 5 })).toEqual({
      lr: 0.001,
      micro_batch: 1,
      rank: 8,
      report_limit: 5,
    });
    expect(scaledLength(previous, 100)).toEqual({ steps: 6, budgetSeconds: 150 });
    expect(scaledLength(previous, 1)).toEqual({ steps: 1, budgetSeconds: 2 });
    expect(scaledLength(previousWith({ epochs: 1 }, 400), 100)).toEqual({ steps: null, budgetSeconds: null });
  });

  it("keeps up when the updated edit similarity is at least the previous one's minus the tolerance", () => {
    const report = (updated: number, previous: number) => ({
      examples: 10,
      systems: {
        base: { editSimilarity: 0.3, exactMatch: 0 },
        adapter: { editSimilarity: updated, exactMatch: 0.1 },
        control: { editSimilarity: previous, exactMatch: 0.2 },
      },
    });
    expect(compareWithPrevious(report(0.5, 0.5), 0).keepsUp).toBe(true);
    expect(compareWithPrevious(report(0.495, 0.5), 0.01).keepsUp).toBe(true);
    expect(compareWithPrevious(report(0.489, 0.5), 0.01).keepsUp).toBe(false);
    expect(compareWithPrevious(report(0.6, 0.5), -0.2).keepsUp).toBe(false);
    const d = compareWithPrevious(report(0.4, 0.5), 0.01);
    expect(d).toMatchObject({
      previousEditSimilarity: 0.5,
      updatedEditSimilarity: 0.4,
      baseEditSimilarity: 0.3,
    });
    expect(d.delta).toBeCloseTo(-0.1);
    expect(d.activated).toBe(false);
    expect(d.reason).toMatch(/below previous/);
    expect(compareWithPrevious({ systems: {} }, 0.01).keepsUp).toBe(false); // nothing to compare: keep
  });
});

describe("changed files", () => {
  it("lists files added or modified between two commits (within the subdir), and refuses an unknown commit", async () => {
    const repo = new TestRepo();
    const from = repo
      .write("a/x.ts", "1\n")
      .write("a/y.ts", "1\n")
      .write("b/z.ts", "1\n")
      .commit("one", "2025-01-01T00:00:00Z");
    repo.write("a/x.ts", "2\n").write("a/new.ts", "1\n").write("b/z.ts", "2\n");
    repo.git("rm", "-q", "a/y.ts");
    const to = repo.commit("two", "2025-02-01T00:00:00Z");
    expect([...(await changedPaths(repo.root, from, to, ""))].sort()).toEqual([
      "a/new.ts",
      "a/x.ts",
      "b/z.ts",
    ]);
    expect([...(await changedPaths(repo.root, from, to, "a"))].sort()).toEqual(["a/new.ts", "a/x.ts"]);
    await expect(changedPaths(repo.root, "f".repeat(40), to, "")).rejects.toThrow(
      /is not in .*shallow clone or rewritten history/,
    );
    repo.remove();
  });
});

/** Float32 tensors of a safetensors file (the trainer writes adapters in f32 on CPU). */
function readSafetensors(path: string): Map<string, Float32Array> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<
    string,
    { dtype: string; data_offsets: [number, number] }
  >;
  const out = new Map<string, Float32Array>();
  for (const [name, meta] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    expect(meta.dtype).toBe("F32");
    const [s, e] = meta.data_offsets;
    out.set(name, new Float32Array(buf.buffer.slice(buf.byteOffset + 8 + n + s, buf.byteOffset + 8 + n + e)));
  }
  return out;
}

function maxAbs(values: Float32Array): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

const jsonl = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; path: string });

describe.skipIf(!hasPython)("repolora train --update", { timeout: 600_000 }, () => {
  it("continues the active adapter on changed files + replay and keeps the previous one when it scores lower", () => {
    const { repo, oldHead } = buildFixtureRepo();
    const model = join(tempDir(), "tiny");
    writeRandomModel(model, TINY_QWEN2);
    const otherModel = join(tempDir(), "other");
    writeRandomModel(otherModel, { ...TINY_QWEN2, seed: 2 });
    const home = tempDir();
    const adapters = join(home, "adapters");
    const cli = (...args: string[]) =>
      spawnSync("node", [join(ROOT, "bin/repolora.mjs"), ...args, "--adapters-dir", adapters], {
        encoding: "utf8",
        env: { ...process.env, REPOLORA_HOME: home },
      });

    // No active adapter yet.
    const none = cli("train", repo.root, "--update", "--base", model);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/has no active adapter.*nothing to update/);
    expect(none.stderr).toMatch(/Train once without --update first/);

    // The first adapter: big steps so its LoRA B is far from zero; no report card, so it becomes active.
    const recipe = join(home, "recipe.json");
    writeFileSync(
      recipe,
      JSON.stringify({
        micro_batch: 2,
        grad_accum: 1,
        dropout: 0,
        lr: 0.01,
        report_limit: 6,
        max_new_tokens: 8,
      }),
    );
    const first = cli(
      "train",
      repo.root,
      "--base",
      model,
      "--cutoff",
      oldHead,
      "--steps",
      "4",
      "--max-tokens",
      "256",
      "--config",
      recipe,
      "--no-eval",
      // An unscored adapter is never made active on its own; --force does it, and says so.
      "--force",
    );
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Active adapter for this repository: .*--force/);
    const previousDir = /Adapter written to (.+)/.exec(first.stdout)![1]!;
    const repoKey = previousDir.split("/").at(-2)!;
    const activeFile = join(adapters, repoKey, "active.json");
    const active = () => JSON.parse(readFileSync(activeFile, "utf8")).adapter as string;
    expect(active()).toBe(previousDir.split("/").at(-1));

    // New code: two files change after the adapter's training snapshot, then more code arrives (held out).
    repo.write(
      "js/helpers.js",
      `${readFileSync(join(repo.root, "js/helpers.js"), "utf8")}
function retry(fn, times = 3) {
  let last;
  for (let i = 0; i < times; i += 1) {
    try {
      return fn();
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
`,
    );
    repo.write(
      "src/cart.ts",
      `import { formatPrice } from "./money";

export interface Cart {
  lines: Array<{ sku: string; cents: number }>;
}

export function cartTotal(cart: Cart): number {
  return cart.lines.reduce((sum, line) => sum + line.cents, 0);
}

export function describeCart(cart: Cart): string {
  return \`\${cart.lines.length} items, \${formatPrice(cartTotal(cart))}\`;
}
`,
    );
    const trainedTo = repo.commit("cart and retry", "2025-07-01T10:00:00Z");
    repo.write(
      "go/server.go",
      `${readFileSync(join(repo.root, "go/server.go"), "utf8")}
func farewell(name string) string {
	if name == "" {
		return "goodbye, stranger"
	}
	return fmt.Sprintf("goodbye, %s", name)
}

func shout(text string) string {
	result := ""
	for _, r := range text {
		result += string(r) + "!"
	}
	return result
}
`,
    );
    repo.commit("server: farewell", "2025-08-01T10:00:00Z");

    // Another base model, or another rank, is refused before anything is trained.
    const otherBase = cli("train", repo.root, "--update", "--base", otherModel);
    expect(otherBase.status).not.toBe(0);
    expect(otherBase.stderr).toMatch(/was trained on base model '.*tiny', not '.*other'/);
    const otherRank = cli("train", repo.root, "--update", "--rank", "4");
    expect(otherRank.status).not.toBe(0);
    expect(otherRank.stderr).toMatch(/--rank 4 differs from the active adapter's rank \(16\)/);

    // A failed update (bad recipe) leaves the active adapter alone.
    const bad = join(home, "bad.json");
    writeFileSync(bad, JSON.stringify({ lr: -1 }));
    const failed = cli("train", repo.root, "--update", "--cutoff", trainedTo, "--config", bad);
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toMatch(/Training failed \(BAD_CONFIG\).*stays active/);
    expect(active()).toBe(previousDir.split("/").at(-1));

    // The update: a near-zero learning rate, so its weights must still be the previous adapter's; a tolerance of
    // -1 (it must beat the previous adapter by a whole edit-similarity point) forces "keep the previous one".
    const tiny = join(home, "tiny-lr.json");
    writeFileSync(tiny, JSON.stringify({ lr: 1e-9 }));
    const upd = cli(
      "train",
      repo.root,
      "--update",
      "--cutoff",
      trainedTo,
      "--config",
      tiny,
      "--tolerance=-1",
    );
    expect(upd.status, upd.stderr).toBe(0);
    const updatedDir = /Adapter written to (.+)/.exec(upd.stdout)![1]!;
    expect(updatedDir).not.toBe(previousDir);
    expect(upd.stdout).toMatch(
      /Held-out edit similarity on \d+ examples: updated [\d.]+, previous [\d.]+, base/,
    );
    expect(upd.stdout).toMatch(
      /Not made active: updated edit similarity [\d.]+ is below previous [\d.]+ - -1: /,
    );
    expect(upd.stdout).toMatch(/stays active/);
    expect(active()).toBe(previousDir.split("/").at(-1));

    // The subset: every example of the files changed since the previous adapter's training snapshot + replay.
    const manifest = JSON.parse(readFileSync(join(updatedDir, "repolora.json"), "utf8"));
    const subsetDir = manifest.update.datasetDir as string;
    const full = JSON.parse(readFileSync(join(subsetDir, "update.json"), "utf8"));
    expect(full.since).toBe(oldHead);
    expect(full.to).toBe(trainedTo);
    expect(full.changedFiles).toEqual(["js/helpers.js", "py/inventory.py", "src/cart.ts", "src/orders.ts"]);
    const all = jsonl(join(full.source, "train.jsonl"));
    const subset = jsonl(join(subsetDir, "train.jsonl"));
    const changed = new Set(full.changedFiles as string[]);
    const fromChanged = all.filter((r) => changed.has(r.path));
    expect(fromChanged.length).toBeGreaterThan(0);
    expect(subset.slice(0, fromChanged.length).map((r) => r.id)).toEqual(fromChanged.map((r) => r.id));
    const replayed = subset.slice(fromChanged.length);
    expect(replayed.length).toBe(Math.round((fromChanged.length * 0.3) / 0.7));
    expect(replayed.every((r) => !changed.has(r.path))).toBe(true);
    expect(new Set(subset.map((r) => r.id)).size).toBe(subset.length);
    expect(readFileSync(join(subsetDir, "eval.jsonl"), "utf8")).toBe(
      readFileSync(join(full.source, "eval.jsonl"), "utf8"),
    );

    // Continued from the previous weights, with the previous recipe (micro_batch 2) under the user's lr.
    expect(manifest.continuedFrom.dir).toBe(previousDir);
    expect(manifest.training.config.init_adapter).toBe(previousDir);
    expect(manifest.training.config.micro_batch).toBe(2);
    expect(manifest.training.config.lr).toBe(1e-9);
    const previousManifest = JSON.parse(readFileSync(join(previousDir, "repolora.json"), "utf8"));
    const previousExamples = previousManifest.data.trainExamples as number;
    expect(manifest.training.steps).toBe(
      Math.ceil((4 * Math.min(subset.length, previousExamples)) / previousExamples),
    );
    const before = readSafetensors(join(previousDir, "adapter_model.safetensors"));
    const after = readSafetensors(join(updatedDir, "adapter_model.safetensors"));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    let bMax = 0;
    for (const [name, old] of before) {
      const now = after.get(name)!;
      const diff = now.reduce((m, v, i) => Math.max(m, Math.abs(v - old[i]!)), 0);
      expect(diff, name).toBeLessThan(1e-5);
      if (name.includes("lora_B")) bMax = Math.max(bMax, maxAbs(old));
    }
    expect(bMax).toBeGreaterThan(1e-3); // a fresh adapter's B is all zeros

    // Scored together with the previous adapter on the same held-out examples; the rule is recorded.
    const report = JSON.parse(readFileSync(join(updatedDir, "report.json"), "utf8"));
    expect(Object.keys(report.systems)).toEqual(["base", "adapter", "control"]);
    expect(report.control).toBe(previousDir);
    expect(report.examples).toBe(Math.min(6, jsonl(join(subsetDir, "eval.jsonl")).length));
    expect(report.update.decision).toMatchObject({ tolerance: -1, keepsUp: false, activated: false });
    expect(report.update.decision.previousEditSimilarity).toBe(report.systems.control.editSimilarity);
    expect(report.update.decision.rule).toMatch(/updated >= previous - tolerance/);
    expect(manifest.update).toEqual(report.update);
    expect(manifest.report).toEqual(report);

    // The registry still sees a healthy bundle (report.json's new sha256 is recorded) and lists both.
    const list = cli("adapters", "list", "--json");
    expect(list.status, list.stderr).toBe(0);
    const entries = JSON.parse(list.stdout).adapters as Array<{
      dir: string;
      status: string;
      active: boolean;
    }>;
    expect(entries.find((e) => e.dir === updatedDir)).toMatchObject({ status: "ok", active: false });
    expect(entries.find((e) => e.dir === previousDir)).toMatchObject({ status: "ok", active: true });

    // With a generous tolerance the update keeps up with the previous adapter; it then becomes active if it also
    // beats the base model (the usual rule, which a random tiny model may or may not pass).
    const again = cli("train", repo.root, "--update", "--cutoff", trainedTo, "--tolerance", "1", "--json");
    expect(again.status, again.stderr).toBe(0);
    const lines = again.stdout.split("\n").filter(Boolean);
    const events = lines.map(parseTrainRunLine).filter((e) => e !== null);
    expect(events).toHaveLength(lines.length);
    const updateEvent = events.find((e) => e.event === "update")!;
    expect(updateEvent).toMatchObject({
      changedExamples: fromChanged.length,
      replayExamples: replayed.length,
    });
    const decision = events.find((e) => e.event === "updateDecision")!;
    expect(decision.keepsUp).toBe(true);
    const againReport = JSON.parse(readFileSync(join(decision.adapterDir, "report.json"), "utf8"));
    if (againReport.verdict.adapterBetter) {
      expect(decision.activated).toBe(true);
      expect(active()).toBe(decision.adapterDir.split("/").at(-1));
    } else {
      expect(decision.activated).toBe(false);
      expect(decision.reason).toMatch(/not better than the base model/);
      expect(active()).toBe(previousDir.split("/").at(-1));
    }
  });
});
