// Compiles the `repolora` CLI into dist/cli.mjs and the runtime's engine worker into dist/engine-worker.mjs
// (esbuild, ESM, node20), so the CLI runs with production dependencies only (no tsx at run time).
// Packages stay external: onnxruntime-node's native binary, web-tree-sitter's wasm and the tokenizer's files
// are found beside their packages in node_modules, as before. Package files (grammars/, generator/trainer/,
// runtime/default-adapter/, package.json) are found from the package root, the bundle folder's parent
// (runtime/src/util/package-root.ts; REPOLORA_COMPILED tells it that it runs from a bundle).
//   node generator/build-cli.mjs [--outdir <folder>]     (default: dist/ at the package root)
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Builds both bundles into outdir; returns their paths. */
export async function buildCli(outdir = resolve(ROOT, "dist")) {
  await build({
    entryPoints: {
      cli: resolve(ROOT, "generator/src/cli/run.ts"),
      "engine-worker": resolve(ROOT, "runtime/src/engine/engine-worker.ts"),
    },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: false,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    define: { REPOLORA_COMPILED: "true" },
    sourcemap: "linked",
    logLevel: "warning",
  });
  return { cli: resolve(outdir, "cli.mjs"), worker: resolve(outdir, "engine-worker.mjs") };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--outdir");
  const { cli } = await buildCli(at > 0 ? resolve(process.argv[at + 1]) : undefined);
  console.error(`build-cli: ${cli}`);
}
