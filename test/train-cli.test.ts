/**
 * `repolora train` end to end on a tiny random model: dataset → Python trainer → bundle → report card, and the
 * rule that a new adapter becomes the repository's active one only when its report card beats the base model.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BundleManifest } from "../runtime/src/contracts/bundle-manifest.ts";
import { ACTIVE_FILE, ActiveRecord, repoKey, repoName } from "../runtime/src/contracts/registry.ts";
import { ReportCard } from "../runtime/src/contracts/report-card.ts";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE } from "./helpers/fixture-repo.ts";
import { tempDir } from "./helpers/git-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const hasPython = existsSync(join(ROOT, ".venv", "bin", "python"));

describe.skipIf(!hasPython)("repolora train", { timeout: 300_000 }, () => {
  it("writes a bundle with a report card and activates it only if it beats the base model", () => {
    const { repo } = buildFixtureRepo();
    const model = join(tempDir(), "tiny");
    writeRandomModel(model, TINY_QWEN2);
    const home = tempDir();
    const dataset = join(tempDir(), "ds");
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
      ],
      { encoding: "utf8" },
    );
    expect(build.status, build.stderr).toBe(0);
    const adapters = join(home, "adapters");
    const run = spawnSync(
      "node",
      [
        join(ROOT, "bin/repolora.mjs"),
        "train",
        repo.root,
        "--dataset",
        dataset,
        "--base",
        model,
        "--steps",
        "2",
      ].concat(["--adapters-dir", adapters, "--max-tokens", "256"]),
      { encoding: "utf8", env: { ...process.env, REPOLORA_HOME: home } },
    );
    expect(run.status, run.stderr).toBe(0);
    // The report card's one table: the CLI prints it from report.json; the trainer prints none.
    expect(run.stdout).toMatch(/\nreport card: completions on \d+ held-out examples.*\nmetric /);
    expect(run.stderr).not.toMatch(/report card: completions/);
    const written = /Adapter written to (.+)/.exec(run.stdout)?.[1];
    expect(written).toBeDefined();
    for (const file of ["adapter_config.json", "adapter_model.safetensors", "repolora.json", "report.json"]) {
      expect(existsSync(join(written!, file)), file).toBe(true);
    }
    // What the trainer wrote is read through the contracts, as every reader of a bundle does.
    const report = ReportCard.parse(JSON.parse(readFileSync(join(written!, "report.json"), "utf8")));
    expect(Object.keys(report.systems)).toEqual(["base", "adapter"]);
    BundleManifest.parse(JSON.parse(readFileSync(join(written!, "repolora.json"), "utf8")));
    // `repolora eval` prints the card to stdout and leaves the bundle's own report.json as it is.
    const before = readFileSync(join(written!, "report.json"), "utf8");
    const evaluation = spawnSync(
      "node",
      [join(ROOT, "bin/repolora.mjs"), "eval", written!, "--limit", "2", "--max-new-tokens", "4"],
      { encoding: "utf8", env: { ...process.env, REPOLORA_HOME: home } },
    );
    expect(evaluation.status, evaluation.stderr).toBe(0);
    expect(evaluation.stdout).toMatch(
      /^report card: completions on \d+ held-out examples, NLL on \d+ \(paired 95% bootstrap intervals\)\nmetric/,
    );
    expect(evaluation.stdout).toMatch(/\nverdict: adapter is /);
    expect(evaluation.stderr).not.toMatch(/FutureWarning|warnings\.warn/);
    expect(readFileSync(join(written!, "report.json"), "utf8")).toBe(before);
    const key = repoKey(repoName(null, repo.root), repo.root);
    expect(readdirSync(adapters).filter((name) => !name.startsWith("."))).toEqual([key]);
    const activeFile = join(adapters, key, ACTIVE_FILE);
    if (report.verdict?.adapterBetter) {
      expect(run.stdout).toMatch(/Active adapter for this repository/);
      const active = ActiveRecord.parse(JSON.parse(readFileSync(activeFile, "utf8")));
      expect(active.adapter).toBe(written!.split("/").pop());
    } else {
      expect(run.stdout).toMatch(/Not made active: .*not better than the base model/);
      expect(existsSync(activeFile)).toBe(false);
    }
  });
});
