/**
 * The compiled CLI (generator/build-cli.mjs) runs with production dependencies only: built into a package folder
 * whose node_modules holds just package.json's dependencies (no tsx, no other devDependency), run with node
 * directly and NODE_PATH unset, it prints its version, builds a dataset from the fixture repository, and
 * prepares a (tiny random) model and completes with it in the engine worker's own bundle.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "../generator/build-cli.mjs";
import { tempDir } from "./helpers/git-repo.ts";
import { buildFixtureDataset, packagedCliRunner, prepareAndComplete } from "./helpers/packaged-cli.ts";

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
  const run = packagedCliRunner(
    () => cli,
    () => root,
  );

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
    const { result, languages } = buildFixtureDataset(run);
    expect(result.stderr).not.toMatch(/Cannot find|ERR_MODULE_NOT_FOUND|tsx/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Dataset written to/);
    // Tree-sitter grammars loaded from grammars/ beside dist/ (the line-based fallback alone would say "text").
    expect(languages.has("python")).toBe(true);
    expect(languages.has("typescript")).toBe(true);
  });

  it("prepares a model and completes in the compiled engine worker", () => {
    const { prepared, completed } = prepareAndComplete(run, "repolora-tiny/compiled");
    expect(prepared.status).toBe(0);
    expect(completed.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
    expect(completed.status).toBe(0);
  });
});
