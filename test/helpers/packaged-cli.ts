/**
 * Running a packaged RepoLoRA CLI the way an installed copy runs: node on the bundle directly, with NODE_PATH and
 * NODE_OPTIONS unset (nothing of the checkout reachable by accident), and the two smoke jobs the compiled-CLI and
 * .vsix tests share: a dataset of the fixture repository, and a tiny model prepared and completed with.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TINY_QWEN2, writeRandomModel } from "../../runtime/src/testing/random-model.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE } from "./fixture-repo.ts";
import { tempDir } from "./git-repo.ts";

export type CliRun = (...args: string[]) => SpawnSyncReturns<string>;

/** A runner for `cli` (a .mjs bundle) from `cwd`, with `extraEnv` added. */
export function packagedCliRunner(
  cli: () => string,
  cwd: () => string,
  extraEnv: NodeJS.ProcessEnv = {},
): CliRun {
  return (...args) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    return spawnSync(process.execPath, [cli(), ...args], {
      cwd: cwd(),
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
  };
}

/** `dataset` on the fixture repository; the languages of its training records (tree-sitter's, not "text"). */
export function buildFixtureDataset(run: CliRun): {
  result: SpawnSyncReturns<string>;
  languages: Set<string>;
} {
  const { repo } = buildFixtureRepo();
  const out = join(tempDir(), "ds");
  const result = run(
    "dataset",
    repo.root,
    "--out",
    out,
    "--eval-share",
    String(FIXTURE_EVAL_SHARE),
    "--no-cache",
  );
  if (result.status !== 0) return { result, languages: new Set() };
  const records = readFileSync(join(out, "train.jsonl"), "utf8").trim().split("\n");
  return {
    result,
    languages: new Set(records.map((line) => (JSON.parse(line) as { language: string }).language)),
  };
}

/** `model prepare` of a tiny random Qwen2, then `complete` at a cursor with the package it made. */
export function prepareAndComplete(
  run: CliRun,
  id: string,
): { prepared: SpawnSyncReturns<string>; completed: SpawnSyncReturns<string> } {
  const work = tempDir();
  writeRandomModel(join(work, "model"), TINY_QWEN2);
  const packageDir = join(work, "package");
  const prepared = run("model", "prepare", join(work, "model"), "--out", packageDir, "--id", id);
  const file = join(work, "math.ts");
  writeFileSync(file, "export function add(a: number, b: number) {\n  return a + b;\n}\n");
  const completed = run("complete", file, "--line", "2", "--col", "3", "--model", packageDir);
  return { prepared, completed };
}
