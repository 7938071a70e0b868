/**
 * Stacking in practice: `repolora org-train` (one adapter on several repositories, registered as org-<name>) and
 * `repolora eval <repo> --adapter org:w --adapter repo:w` (the stack's report card: base, each adapter alone and
 * the weighted stack). End to end on the fixture repository, a second small repository and a tiny random model.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { balancedQuotas, MIX_FILE } from "../generator/src/adapters/org/mix.ts";
import { DatasetManifest, DatasetRecord } from "../runtime/src/contracts/dataset.ts";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE } from "./helpers/fixture-repo.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const hasPython = existsSync(join(ROOT, ".venv", "bin", "python"));

describe("org mix balance", () => {
  it("gives repository i a share ∝ n_i^alpha, subsampling the larger ones and repeating nothing", () => {
    expect(balancedQuotas([1000, 100], 1)).toEqual([1000, 100]);
    expect(balancedQuotas([1000, 100], 0)).toEqual([100, 100]);
    // sqrt shares: 31.6 : 10 → 76% / 24%; the small repository keeps all of its 100.
    expect(balancedQuotas([1000, 100], 0.5)).toEqual([316, 100]);
    expect(balancedQuotas([50, 0, 200], 0.5)).toEqual([50, 0, 100]);
    expect(balancedQuotas([0, 0], 0.5)).toEqual([0, 0]);
    expect(() => balancedQuotas([1, 2], 1.5)).toThrow(RangeError);
  });
});

/** A second, small repository: Python and TypeScript, with code added in 2025 (held out). */
function buildSecondRepo(): TestRepo {
  const repo = new TestRepo();
  const py = Array.from(
    { length: 12 },
    (_, i) =>
      `def rate_${i}(amount, percent):\n    fee = amount * percent / 100\n    return round(amount + fee, ${i % 3})\n\n`,
  ).join("");
  const ts = Array.from(
    { length: 10 },
    (_, i) =>
      `export function label${i}(name: string, count: number): string {\n  const plural = count === 1 ? "" : "s";\n  return \`\${name}: \${count} item\${plural}\`;\n}\n\n`,
  ).join("");
  repo.write("billing/fees.py", py).write("web/labels.ts", ts);
  repo.commit("billing and labels", "2024-02-01T10:00:00Z");
  repo.write(
    "billing/fees.py",
    `${py}def refund(amount, percent):\n    return amount - amount * percent / 100\n`,
  );
  repo.commit("refund", "2025-05-01T10:00:00Z");
  return repo;
}

const jsonl = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe.skipIf(!hasPython)("org adapter + repo adapter stack", { timeout: 600_000 }, () => {
  it("trains an org adapter on two repositories, registers it, and scores the stack", () => {
    const { repo: api } = buildFixtureRepo();
    const web = buildSecondRepo();
    const model = join(tempDir(), "tiny");
    writeRandomModel(model, TINY_QWEN2);
    const home = tempDir();
    const adapters = join(home, "adapters");
    const recipe = join(home, "recipe.json");
    writeFileSync(
      recipe,
      JSON.stringify({ micro_batch: 2, grad_accum: 1, report_limit: 4, max_new_tokens: 4 }),
    );
    const cli = (...args: string[]) =>
      spawnSync("node", [join(ROOT, "bin/repolora.mjs"), ...args], {
        encoding: "utf8",
        env: { ...process.env, REPOLORA_HOME: home },
      });

    const help = cli("org-train", "--help");
    expect(help.stdout).toMatch(/--balance <alpha>/);
    expect(cli("eval", "--help").stdout).toMatch(/--adapter <a>\[:weight\]/);
    expect(cli("org-train", "--name", "acme", api.root).stderr).toMatch(/at least two repositories/);

    // 1. The org adapter.
    const org = cli(
      "org-train",
      "--name",
      "acme",
      api.root,
      web.root,
      "--base",
      model,
      "--steps",
      "2",
      "--max-tokens",
      "256",
      "--eval-share",
      String(FIXTURE_EVAL_SHARE),
      "--config",
      recipe,
      "--adapters-dir",
      adapters,
    );
    expect(org.status, org.stderr).toBe(0);
    const orgDir = /Adapter written to (.+)/.exec(org.stdout)![1]!;
    expect(orgDir.startsWith(join(adapters, "org-acme"))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(orgDir, "repolora.json"), "utf8"));
    expect(manifest.org.name).toBe("acme");
    expect(manifest.org.repos.map((r: { root: string }) => r.root)).toEqual([api.root, web.root]);
    expect(manifest.repo.root).toBeUndefined(); // matched to no single workspace
    expect(manifest.name).toMatch(/^org acme \(/);

    // The mixed dataset: both repositories' training examples, every record and the manifest in the contract.
    const mixDir = manifest.org.mixDir as string;
    expect(manifest.data.dataset.dir).toBe(mixDir);
    const train = jsonl(join(mixDir, "train.jsonl"));
    const evals = jsonl(join(mixDir, "eval.jsonl"));
    for (const record of [...train, ...evals]) expect(DatasetRecord.parse(record)).toEqual(record);
    const datasetJson = JSON.parse(readFileSync(join(mixDir, "dataset.json"), "utf8"));
    expect(DatasetManifest.parse(datasetJson)).toEqual(datasetJson); // no field outside the contract
    expect(datasetJson.counts.train).toBe(train.length);
    expect(datasetJson.counts.eval).toBe(evals.length);
    expect(new Set(train.map((r) => r.id)).size).toBe(train.length);
    const mix = JSON.parse(readFileSync(join(mixDir, MIX_FILE), "utf8"));
    const perRepo = mix.repos as Array<{ dir: string; train: number; trainMixed: number }>;
    expect(perRepo).toHaveLength(2);
    expect(perRepo.map((r) => r.trainMixed)).toEqual(
      balancedQuotas(
        perRepo.map((r) => r.train),
        0.5,
      ),
    );
    // Every mixed record comes from one of the repositories' datasets, and both contribute.
    const origin = new Map<string, number>();
    perRepo.forEach((r, i) => {
      for (const rec of jsonl(join(r.dir, "train.jsonl"))) origin.set(rec.id as string, i);
    });
    const counts = [0, 0];
    for (const rec of train) counts[origin.get(rec.id as string)!]! += 1;
    expect(counts).toEqual(perRepo.map((r) => r.trainMixed));
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(new Set(train.map((r) => r.repo)).size).toBe(2);
    expect(manifest.training.steps).toBe(2);

    // Registered: `adapters list` sees a healthy bundle under org-acme.
    const list = cli("adapters", "list", "--json", "--adapters-dir", adapters);
    expect(list.status, list.stderr).toBe(0);
    const entry = (JSON.parse(list.stdout).adapters as Array<Record<string, unknown>>).find(
      (e) => e.dir === orgDir,
    );
    expect(entry).toMatchObject({ repoKey: "org-acme", status: "ok" });

    // 2. The repository's own adapter, on the same dataset of that repository (so the held-out set is shared).
    const apiDataset = manifest.org.repos[0].datasetDir as string;
    const own = cli(
      "train",
      api.root,
      "--dataset",
      apiDataset,
      "--base",
      model,
      "--steps",
      "2",
      "--max-tokens",
      "256",
      "--config",
      recipe,
      "--no-eval",
      "--adapters-dir",
      adapters,
    );
    expect(own.status, own.stderr).toBe(0);
    const repoDir = /Adapter written to (.+)/.exec(own.stdout)![1]!;
    const repoId = repoDir.split("/").slice(-2).join("/");

    // 3. The stack's report card, by registry ids with weights.
    const out = join(home, "stack.json");
    const stack = cli(
      "eval",
      api.root,
      "--adapter",
      "org-acme:0.5",
      "--adapter",
      `${repoId}:1`,
      "--limit",
      "4",
      "--max-new-tokens",
      "4",
      "--out",
      out,
      "--adapters-dir",
      adapters,
    );
    expect(stack.status, stack.stderr).toBe(0);
    expect(stack.stdout).toContain(`Stack report card written to ${out}`);
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(report.systems)).toEqual(["base", "org", "repo", "stack"]);
    expect(Object.keys(report.deltas).sort()).toEqual(
      ["org-base", "repo-base", "stack-base", "stack-org", "stack-repo"].sort(),
    );
    for (const delta of Object.values(report.deltas) as Array<Record<string, Record<string, number>>>) {
      for (const metric of ["exactMatch", "editSimilarity", "identifierEm", "identifierF1"]) {
        const ci = delta[metric]!;
        expect(ci.low).toBeLessThanOrEqual(ci.mean!);
        expect(ci.mean).toBeLessThanOrEqual(ci.high!);
      }
    }
    expect(report.verdict.system).toBe("stack");
    expect(report.examples).toBe(Math.min(4, jsonl(join(apiDataset, "eval.jsonl")).length));
    expect(report.dataset.dir).toBe(apiDataset); // the repo adapter's held-out set, not the mix
    expect(report.stack.adapters.map((a: { dir: string; weight: number }) => [a.dir, a.weight])).toEqual([
      [orgDir, 0.5],
      [repoDir, 1],
    ]);
    expect(existsSync(join(repoDir, "report.json"))).toBe(false); // members' own cards untouched

    // 4. A stack with an adapter trained on another base model is refused before anything runs.
    const alien = join(home, "alien");
    cpSync(repoDir, alien, { recursive: true });
    const alienManifest = JSON.parse(readFileSync(join(alien, "repolora.json"), "utf8"));
    alienManifest.baseModel = { ...alienManifest.baseModel, id: "other/model", sha256: "f".repeat(64) };
    writeFileSync(join(alien, "repolora.json"), JSON.stringify(alienManifest));
    const refused = cli(
      "eval",
      api.root,
      "--adapter",
      `${orgDir}:0.5`,
      "--adapter",
      alien,
      "--adapters-dir",
      adapters,
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /Cannot stack adapters trained on different base models: .* on 'other\/model' \(weights sha256 ffffffffffff\)/,
    );
  });
});
