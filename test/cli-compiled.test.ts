/**
 * The compiled CLI (generator/build-cli.mjs) runs with production dependencies only: built into a package folder
 * whose node_modules holds just package.json's dependencies (no tsx, no other devDependency), run with node
 * directly and NODE_PATH unset, it prints its version, builds a dataset from the fixture repository, and
 * prepares a (tiny random) model and completes with it in the engine worker's own bundle.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "../generator/build-cli.mjs";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE } from "./helpers/fixture-repo.ts";
import { tempDir } from "./helpers/git-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
};

/** A package folder: package.json, grammars/, node_modules with the production dependencies only, dist/. */
function productionPackage(): string {
  const root = tempDir();
  copyFileSync(join(ROOT, "package.json"), join(root, "package.json"));
  symlinkSync(join(ROOT, "grammars"), join(root, "grammars"));
  for (const name of Object.keys(manifest.dependencies)) {
    const target = join(root, "node_modules", name);
    mkdirSync(join(target, ".."), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), target);
  }
  return root;
}

describe("compiled CLI", () => {
  let root: string;
  let cli: string;
  const run = (...args: string[]) => {
    const env = { ...process.env };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    return spawnSync(process.execPath, [cli, ...args], {
      cwd: root,
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
  };

  beforeAll(async () => {
    root = productionPackage();
    ({ cli } = await buildCli(join(root, "dist")));
  });

  it("has no devDependency to resolve", () => {
    expect(existsSync(join(root, "node_modules", "tsx"))).toBe(false);
    const probe = spawnSync(
      process.execPath,
      ["-e", "import('tsx/esm/api').then(()=>process.exit(0),()=>process.exit(3))"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(probe.status).toBe(3);
  });

  it("prints the package's version", () => {
    const result = run("--version");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`repolora ${manifest.version}`);
  });

  it("builds a dataset, parsing with the package's grammars", () => {
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
    expect(result.stderr).not.toMatch(/Cannot find|ERR_MODULE_NOT_FOUND|tsx/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Dataset written to/);
    const records = readFileSync(join(out, "train.jsonl"), "utf8").trim().split("\n");
    const languages = new Set(records.map((line) => (JSON.parse(line) as { language: string }).language));
    // Tree-sitter grammars loaded from grammars/ beside dist/ (the line-based fallback alone would say "text").
    expect(languages.has("python")).toBe(true);
    expect(languages.has("typescript")).toBe(true);
  });

  it("prepares a model and completes in the compiled engine worker", () => {
    const work = tempDir();
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    const packageDir = join(work, "package");
    const prepared = run(
      "model",
      "prepare",
      join(work, "model"),
      "--out",
      packageDir,
      "--id",
      "repolora-tiny/compiled",
    );
    expect(prepared.status).toBe(0);
    const file = join(work, "math.ts");
    writeFileSync(file, "export function add(a: number, b: number) {\n  return a + b;\n}\n");
    const completed = run("complete", file, "--line", "2", "--col", "3", "--model", packageDir);
    expect(completed.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
    expect(completed.status).toBe(0);
  });
});
