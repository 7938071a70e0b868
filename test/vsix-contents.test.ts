import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { currentTarget, stageCli, TARGETS } from "../extension/package-vsix.mjs";
import { tempDir } from "./helpers/git-repo.ts";
import { buildFixtureDataset, packagedCliRunner, prepareAndComplete } from "./helpers/packaged-cli.ts";

const target = currentTarget();

/** The packages a bundle imports by bare name (what esbuild's `packages: "external"` left out). */
function bareImports(bundle: string): string[] {
  const source = readFileSync(bundle, "utf8");
  const names = new Set<string>();
  for (const match of source.matchAll(/(?:from\s*|import\(\s*)"([^".][^"]*)"/g)) {
    const specifier = match[1] as string;
    if (specifier.startsWith("node:")) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return [...names].sort();
}

describe.runIf(target in TARGETS)(`the .vsix's cli/ folder (${target})`, () => {
  let cliDir: string;
  const run = packagedCliRunner(
    () => join(cliDir, "dist", "cli.mjs"),
    () => tempDir(),
    { ELECTRON_RUN_AS_NODE: "1" },
  );

  beforeAll(() => {
    cliDir = join(tempDir(), "cli");
    stageCli(cliDir, target);
  });

  it("holds every package the compiled CLI and engine worker import", () => {
    const imports = [
      ...bareImports(join(cliDir, "dist", "cli.mjs")),
      ...bareImports(join(cliDir, "dist", "engine-worker.mjs")),
    ];
    expect(imports).toContain("onnxruntime-node");
    for (const name of imports)
      expect(existsSync(join(cliDir, "node_modules", name, "package.json"))).toBe(true);
    expect(existsSync(join(cliDir, "node_modules", "tsx"))).toBe(false);
  });

  it("carries only this platform's onnxruntime binary, without CUDA/TensorRT providers", () => {
    const binaries = join(cliDir, "node_modules", "onnxruntime-node", "bin", "napi-v6");
    const platforms = readdirSync(binaries).flatMap((os) =>
      readdirSync(join(binaries, os)).map((arch) => `${os}/${arch}`),
    );
    expect(platforms).toEqual([TARGETS[target as keyof typeof TARGETS]]);
    const files = readdirSync(join(binaries, platforms[0] as string));
    expect(files.some((file) => /onnxruntime_binding\.node$/.test(file))).toBe(true);
    expect(files.filter((file) => /cuda|tensorrt/i.test(file))).toEqual([]);
  });

  it("carries the package files read at run time", () => {
    for (const path of [
      "package.json",
      "grammars/typescript/tree-sitter-typescript.wasm",
      "runtime/default-adapter/adapter_model.safetensors",
      "generator/trainer/default-model.sh",
      "generator/trainer/default-model.lock",
      "generator/trainer/setup-venv.sh",
      "generator/trainer/requirements.lock",
      "generator/trainer/repolora_trainer/__main__.py",
      "docs/contracts/report-card.schema.json",
    ]) {
      expect(existsSync(join(cliDir, path)), path).toBe(true);
    }
    expect(existsSync(join(cliDir, "generator", "trainer", "tests"))).toBe(false);
  });

  it("builds a dataset with its own grammars", () => {
    const { result, languages } = buildFixtureDataset(run);
    expect(result.stderr).not.toMatch(/Cannot find|ERR_MODULE_NOT_FOUND/);
    expect(result.status).toBe(0);
    expect(languages.has("typescript")).toBe(true);
  });

  it("prepares a model and completes with its own onnxruntime", () => {
    const { prepared, completed } = prepareAndComplete(run, "repolora-tiny/vsix");
    expect(prepared.status).toBe(0);
    expect(completed.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
    expect(completed.status).toBe(0);
  });
});
