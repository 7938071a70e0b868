/**
 * The default completion system's adapter: a small generic FIM LoRA shipped with the project
 * (runtime/default-adapter/, made by generator/trainer/default-adapter/build.sh). The embedded default base is an
 * Instruct model that answers FIM prompts with chat text; this adapter teaches it to fill the middle and stop, so
 * completions are right before any repository is trained. The server applies it to every workspace that has no
 * adapter of its own.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The adapter cache key of the default adapter; never a key the extension or CLI hands out. */
export const DEFAULT_ADAPTER_KEY = "repolora:default";

/** Where the shipped default adapter lives, beside the runtime's sources. */
export function shippedDefaultAdapterDir(): string {
  return fileURLToPath(new URL("../../default-adapter/", import.meta.url));
}

/** The shipped default adapter's folder when it is there (a checkout or package without it has none). */
export function findShippedDefaultAdapter(): string | null {
  const dir = shippedDefaultAdapterDir();
  return existsSync(`${dir}adapter_model.safetensors`) ? dir : null;
}
