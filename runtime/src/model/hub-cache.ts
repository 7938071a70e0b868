/**
 * Resolves a Hugging Face hub id (`org/name`) to a snapshot folder in the local hub cache, the layout
 * huggingface_hub writes: `<cache>/models--org--name/refs/<revision>` holds a commit hash and
 * `<cache>/models--org--name/snapshots/<hash>/` the files. The cache is `$HF_HUB_CACHE`, else
 * `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. Nothing is downloaded: when the model is not there, the
 * error says how to get it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { RuntimeError } from "../errors.ts";

/** A hub id or a folder the hub cache does not hold; the message says what to run. */
export class HubModelNotFoundError extends RuntimeError {
  constructor(message: string) {
    super("model-not-in-hub-cache", message);
  }
}

export interface HubSnapshot {
  id: string;
  /** The commit hash of the snapshot. */
  revision: string;
  dir: string;
}

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isHubId(value: string): boolean {
  return HUB_ID.test(value);
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "huggingface", "hub");
}

/** The files a model package is prepared from. */
const NEEDED = ["config.json", "tokenizer.json"];

export function resolveHubSnapshot(id: string, revision = "main", cacheDir = hubCacheDir()): HubSnapshot {
  if (!isHubId(id))
    throw new HubModelNotFoundError(`'${id}' is neither a folder nor a hub id like Qwen/Qwen2.5-Coder-0.5B`);
  const repoDir = join(cacheDir, `models--${id.replace("/", "--")}`);
  const download = downloadHint(id, revision);
  if (!existsSync(repoDir)) {
    throw new HubModelNotFoundError(
      `${id} is not in the Hugging Face cache (${repoDir} does not exist). ${download}`,
    );
  }
  const refPath = join(repoDir, "refs", revision);
  const snapshots = join(repoDir, "snapshots");
  let hash: string | null = null;
  if (existsSync(refPath)) hash = readFileSync(refPath, "utf8").trim();
  else if (/^[0-9a-f]{40}$/.test(revision) && existsSync(join(snapshots, revision))) hash = revision;
  else {
    const available = existsSync(snapshots) ? readdirSync(snapshots) : [];
    throw new HubModelNotFoundError(
      `${id}: no ref '${revision}' in ${join(repoDir, "refs")}${available.length > 0 ? ` (snapshots there: ${available.join(", ")}; pass one with --revision)` : ""}. ${download}`,
    );
  }
  const dir = join(snapshots, hash);
  const missing = NEEDED.filter((file) => !existsSync(join(dir, file)));
  const hasWeights =
    existsSync(join(dir, "model.safetensors")) || existsSync(join(dir, "model.safetensors.index.json"));
  if (!existsSync(dir) || missing.length > 0 || !hasWeights) {
    const absent = [...missing, ...(hasWeights ? [] : ["model.safetensors"])];
    throw new HubModelNotFoundError(
      `${id}@${hash.slice(0, 10)} in ${dir} lacks ${absent.join(", ")}. ${download}`,
    );
  }
  return { id, revision: hash, dir };
}

function downloadHint(id: string, revision: string): string {
  const rev = revision === "main" ? "" : ` --revision ${revision}`;
  return (
    `Download it where the hub is reachable: \`hf download ${id}${rev} --include "*.json" "*.safetensors"\` ` +
    "(or `huggingface-cli download` with the same arguments), then run this again — or copy that folder here " +
    "and pass its path instead of the id."
  );
}
