/**
 * The default completion system's adapter: a small generic FIM LoRA shipped with the project
 * (runtime/default-adapter/, made by generator/trainer/default-adapter/build.sh). The embedded default base is an
 * Instruct model that answers FIM prompts with chat text; this adapter teaches it to fill the middle and stop, so
 * completions are right before any repository is trained. The server applies it to every workspace that has no
 * adapter of its own.
 */
import { existsSync } from "node:fs";
import { packagePath } from "../util/package-root.ts";

/** The adapter cache key of the default adapter; never a key the extension or CLI hands out. */
export const DEFAULT_ADAPTER_KEY = "repolora:default";

/** Where the shipped default adapter lives: runtime/default-adapter/ in the package. */
export function shippedDefaultAdapterDir(): string {
  return `${packagePath("runtime", "default-adapter")}/`;
}

/** The shipped default adapter's folder when it is there (a checkout or package without it has none). */
export function findShippedDefaultAdapter(): string | null {
  const dir = shippedDefaultAdapterDir();
  return existsSync(`${dir}adapter_model.safetensors`) ? dir : null;
}
