/**
 * Where the project's files are at run time. The same code runs from the TypeScript sources (a checkout) and
 * from the compiled CLI (dist/cli.mjs and dist/engine-worker.mjs, built by generator/build-cli.mjs), where every
 * module's import.meta.url is the bundle's. Paths to package files (package.json, grammars/, generator/trainer/,
 * runtime/default-adapter/, .venv/) are therefore taken from the package root, never from a source file's folder.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Set to true by esbuild's `define` in the compiled CLI; undeclared (typeof "undefined") in the sources.
declare const REPOLORA_COMPILED: boolean | undefined;

/** The bundle file this code runs from, or null when it runs from the sources. */
export function compiledBundle(): string | null {
  return typeof REPOLORA_COMPILED !== "undefined" && REPOLORA_COMPILED
    ? fileURLToPath(import.meta.url)
    : null;
}

/** The package root: the bundle's folder's parent (<root>/dist/), else three levels above runtime/src/util/. */
export function packageRoot(): string {
  const bundle = compiledBundle();
  return bundle ? resolve(dirname(bundle), "..") : resolve(import.meta.dirname, "../../..");
}

/** A path inside the package, e.g. packagePath("grammars") or packagePath("generator", "trainer"). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
