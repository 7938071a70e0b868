// Packs the extension as a platform-specific .vsix that carries the RepoLoRA CLI and runtime, so that installing
// the .vsix alone is enough for completions (docs/decisions/2026-12-05-vsix-contents.md):
//   <extension>/dist/extension.cjs, package.json, README.md, walkthrough/   the extension itself
//   <extension>/cli/                                                       a RepoLoRA package root:
//     package.json (production fields), bin/repolora.mjs, dist/cli.mjs + dist/engine-worker.mjs (compiled CLI),
//     node_modules/ (the production packages the bundle leaves external, onnxruntime-node with the target's CPU
//     binary only), grammars/, runtime/default-adapter/, generator/trainer/ (the Python trainer's sources and the
//     default-model script + lock; not its venv), docs/contracts/*.schema.json (the trainer checks against them)
// The files are staged in a temporary folder and packed there by vsce (`--no-dependencies`: the staged
// node_modules are the dependencies).
//   node extension/package-vsix.mjs [--target linux-x64] [--out repolora-<target>.vsix] [--vsce <vsce script>]
//     [--node <node for vsce>] [--keep-stage]
// --target defaults to this machine's platform; --vsce to the e2e tool cache's (test/e2e/setup.sh).
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const EXTENSION = fileURLToPath(new URL(".", import.meta.url));
const ROOT = resolve(EXTENSION, "..");

/** vsce targets onnxruntime-node ships a CPU binary for, and the binary's folder under its bin/napi-v6/. */
export const TARGETS = {
  "linux-x64": "linux/x64",
  "linux-arm64": "linux/arm64",
  "darwin-arm64": "darwin/arm64",
  "win32-x64": "win32/x64",
  "win32-arm64": "win32/arm64",
};

/** Packages a root dependency needs only to install, never at run time (onnxruntime-node's download script). */
const INSTALL_ONLY = { "onnxruntime-node": ["adm-zip", "global-agent"] };
/** Folders of a package that nothing loads at run time. */
const UNUSED_DIRS = {
  "onnxruntime-node": ["script", "lib"],
  "web-tree-sitter": ["debug", "lib", "src"],
  // protobufjs's pbjs/pbts command-line tools, with their own node_modules (~2,000 files).
  protobufjs: ["cli"],
};
/** Files no package loads at run time: source maps, TypeScript sources and declarations. */
const UNUSED_FILE = /\.(map|ts|cts|mts|tsx)$/;
/** The Python trainer's files carried (its tests and the default adapter's build recipe are not). */
const TRAINER_FILES = [
  "README.md",
  "pyproject.toml",
  "requirements.lock",
  "setup-venv.sh",
  "default-model.sh",
  "default-model.lock",
  "configs",
  "tools",
  "repolora_trainer",
];

export function currentTarget() {
  return `${process.platform}-${process.arch}`;
}

function copyTree(from, to, keep = () => true) {
  const stat = statSync(from);
  if (stat.isDirectory()) {
    for (const name of readdirSync(from)) {
      if (name === "__pycache__" || name === ".pytest_cache") continue;
      copyTree(join(from, name), join(to, name), keep);
    }
    return;
  }
  if (!keep(from)) return;
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/** The production packages reachable from the root package.json's dependencies, as node_modules folder names. */
export function productionPackages(rootDir = ROOT) {
  const found = new Set();
  const visit = (name, skip) => {
    // Type declarations only (protobufjs depends on @types/node, which brings undici-types).
    if (found.has(name) || name.startsWith("@types/")) return;
    const dir = join(rootDir, "node_modules", name);
    if (!existsSync(join(dir, "package.json")))
      throw new Error(`package-vsix: ${name} is not installed in ${rootDir}/node_modules (run npm ci)`);
    found.add(name);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (!(skip ?? []).includes(dep)) visit(dep);
    }
  };
  const root = JSON.parse(readFileSync(join(rootDir, "package.json"), "utf8"));
  for (const name of Object.keys(root.dependencies)) visit(name, INSTALL_ONLY[name]);
  return [...found].sort();
}

/** Copies one package, leaving out what is not loaded at run time and other platforms' native binaries. */
function copyPackage(name, to, target) {
  const from = join(ROOT, "node_modules", name);
  const unusedDirs = (UNUSED_DIRS[name] ?? []).map((dir) => join(from, dir));
  const binaries = join(from, "bin", "napi-v6");
  const wanted = join(binaries, TARGETS[target]);
  copyTree(from, to, (path) => {
    if (unusedDirs.some((dir) => path.startsWith(`${dir}/`))) return false;
    if (path.startsWith(`${binaries}/`)) {
      // Only the target's CPU binary: no other platform, no CUDA/TensorRT execution providers.
      return path.startsWith(`${wanted}/`) && !/cuda|tensorrt/i.test(path);
    }
    return !UNUSED_FILE.test(path);
  });
}

/** The package root the extension runs its CLI from: <stage>/cli. */
export function stageCli(cliDir, target) {
  // Run, not imported: the extension's folder reaches the generator only through the protocol (depcruise).
  execFileSync(
    process.execPath,
    [join(ROOT, "generator", "build-cli.mjs"), "--outdir", join(cliDir, "dist")],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  for (const name of readdirSync(join(cliDir, "dist"))) {
    if (name.endsWith(".map")) rmSync(join(cliDir, "dist", name));
  }
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const manifest = {
    name: root.name,
    version: root.version,
    private: true,
    description: root.description,
    license: root.license,
    type: root.type,
    engines: root.engines,
    bin: root.bin,
    dependencies: root.dependencies,
  };
  writeFileSync(join(cliDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  copyTree(join(ROOT, "bin", "repolora.mjs"), join(cliDir, "bin", "repolora.mjs"));
  for (const name of productionPackages()) copyPackage(name, join(cliDir, "node_modules", name), target);
  copyTree(
    join(ROOT, "grammars"),
    join(cliDir, "grammars"),
    (path) => !/\/(update\.sh|README\.md)$/.test(path),
  );
  copyTree(join(ROOT, "runtime", "default-adapter"), join(cliDir, "runtime", "default-adapter"));
  for (const name of TRAINER_FILES) {
    copyTree(join(ROOT, "generator", "trainer", name), join(cliDir, "generator", "trainer", name));
  }
  // The trainer validates its inputs and report card against the contracts' JSON Schemas (json_schema.py).
  copyTree(join(ROOT, "docs", "contracts"), join(cliDir, "docs", "contracts"), (path) =>
    path.endsWith(".schema.json"),
  );
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
}

async function main() {
  const target = option("--target", currentTarget());
  if (!(target in TARGETS)) {
    throw new Error(
      `package-vsix: no onnxruntime-node CPU binary for ${target}; targets: ${Object.keys(TARGETS).join(", ")}`,
    );
  }
  const e2eCache =
    process.env.REPOLORA_E2E_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "repolora-e2e");
  const vsce = resolve(option("--vsce", join(e2eCache, "vsce", "node_modules", "@vscode", "vsce", "vsce")));
  if (!existsSync(vsce))
    throw new Error(`package-vsix: vsce not found at ${vsce}; run \`bash test/e2e/setup.sh\` or pass --vsce`);
  const out = resolve(option("--out", join(ROOT, `repolora-${target}.vsix`)));

  execFileSync(process.execPath, [join(EXTENSION, "build.mjs"), "--production"], { stdio: "inherit" });
  const stage = mkdtempSync(join(tmpdir(), "repolora-vsix-"));
  try {
    for (const name of ["package.json", "README.md", "dist/extension.cjs"]) {
      copyTree(join(EXTENSION, name), join(stage, name));
    }
    copyTree(join(EXTENSION, "walkthrough"), join(stage, "walkthrough"), (path) => path.endsWith(".md"));
    stageCli(join(stage, "cli"), target);
    // Everything staged is packed: an empty ignore file overrides the extension's own .vscodeignore.
    writeFileSync(join(stage, ".vscodeignore"), "");
    const files = listFiles(stage).filter((file) => file !== ".vscodeignore");
    mkdirSync(dirname(out), { recursive: true });
    execFileSync(
      option("--node", process.execPath),
      [
        vsce,
        "package",
        "--no-dependencies",
        "--target",
        target,
        "--skip-license",
        "--allow-missing-repository",
        "--out",
        out,
      ],
      { cwd: stage, stdio: ["ignore", "inherit", "inherit"] },
    );
    const mib = (statSync(out).size / 2 ** 20).toFixed(1);
    console.error(`package-vsix: ${out} (${target}, ${mib} MiB, ${files.length} files)`);
  } finally {
    if (process.argv.includes("--keep-stage")) console.error(`package-vsix: staged in ${stage}`);
    else rmSync(stage, { recursive: true, force: true });
  }
  console.log(out);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main().catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
