/** A `--base` argument that is a prepared model package folder, opened with the runtime's own reader. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { MODEL_PACKAGE_FILE } from "../../../../runtime/src/model/manifest.ts";
import { type ModelPackage, openModelPackage } from "../../../../runtime/src/model/package.ts";
import { RepoLoraError } from "../../util/errors.ts";

/** The package when `base` is a folder holding repolora-model.json; null when it is an id or another folder. */
export function openPackageIfAny(base: string): ModelPackage | null {
  const dir = resolve(base);
  if (!existsSync(join(dir, MODEL_PACKAGE_FILE))) return null;
  try {
    return openModelPackage(dir);
  } catch (error) {
    throw new RepoLoraError("BAD_ARGUMENT", `--base ${base}: ${(error as Error).message}`);
  }
}
