/**
 * Where the dataset caches live, and how they are kept small: one folder per repository under
 * `<cache home>/build/<16 hex of the repo path>/` holding the parse, scrub, commit and record caches.
 *
 * The cache home is `$REPOLORA_HOME/cache` when REPOLORA_HOME is set (everything of RepoLoRA under one
 * folder the user chose), else `$XDG_CACHE_HOME/repolora`, else `~/.cache/repolora`. Each repository
 * folder carries `repo.json` (the repository's path and when a build last used it), so `repolora cache
 * clean --repo`, `repolora adapters gc` and the size cap can tell whose it is and how old it is. Before this
 * layout the folders were `~/.cache/repolora/parse/<hex>/`; cleaning removes those too.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** Total size the build caches of all repositories may take before the least recently used are evicted. */
export const DEFAULT_CACHE_MAX_BYTES = 1024 * 1024 * 1024;
const MAX_BYTES_ENV = "REPOLORA_CACHE_MAX_MB";
const META_FILE = "repo.json";

type Env = Readonly<Record<string, string | undefined>>;

export function cacheHome(env: Env = process.env, home = homedir()): string {
  if (env.REPOLORA_HOME) return join(env.REPOLORA_HOME, "cache");
  return join(env.XDG_CACHE_HOME || join(home, ".cache"), "repolora");
}

/** The folder holding one folder per repository. */
export function buildCacheRoot(env: Env = process.env): string {
  return join(cacheHome(env), "build");
}

/** The layout before REPOLORA_HOME was honoured; only ever cleaned, never written. */
export function legacyCacheRoot(env: Env = process.env, home = homedir()): string {
  return join(env.XDG_CACHE_HOME || join(home, ".cache"), "repolora", "parse");
}

export function defaultCacheDir(repoRoot: string, env: Env = process.env): string {
  return join(buildCacheRoot(env), repoCacheKey(repoRoot));
}

export function repoCacheKey(repoRoot: string): string {
  return createHash("sha256").update(repoRoot).digest("hex").slice(0, 16);
}

/** The cap from $REPOLORA_CACHE_MAX_MB, else the default; a bad value is an error that says what to write. */
export function cacheMaxBytes(env: Env = process.env): number {
  const raw = env[MAX_BYTES_ENV];
  if (raw === undefined || raw === "") return DEFAULT_CACHE_MAX_BYTES;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0)
    throw new Error(`${MAX_BYTES_ENV} must be a number of megabytes ≥ 0, got '${raw}'.`);
  return Math.floor(mb * 1024 * 1024);
}

export interface RepoCacheFolder {
  dir: string;
  /** The repository path recorded by the last build; null for a folder without repo.json (older layout). */
  repoRoot: string | null;
  /** Last use, ms since the epoch (repo.json's time, else the folder's mtime). */
  usedAt: number;
  bytes: number;
}

/** Records that `repoRoot`'s build used `dir` now: what eviction orders by and gc checks. */
export async function markCacheUsed(dir: string, repoRoot: string, now = Date.now()): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, META_FILE), `${JSON.stringify({ repoRoot, usedAt: now })}\n`);
}

export function listCacheFolders(root: string): RepoCacheFolder[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const folders: RepoCacheFolder[] = [];
  for (const name of names) {
    const dir = join(root, name);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(dir);
    } catch {
      continue;
    }
    if (!stat.isDirectory()) continue;
    const meta = readMeta(dir);
    folders.push({
      dir,
      repoRoot: meta?.repoRoot ?? null,
      usedAt: meta?.usedAt ?? stat.mtimeMs,
      bytes: sizeOf(dir),
    });
  }
  return folders.sort((a, b) => a.usedAt - b.usedAt);
}

function readMeta(dir: string): { repoRoot: string; usedAt: number } | null {
  try {
    const meta = JSON.parse(readFileSync(join(dir, META_FILE), "utf8")) as {
      repoRoot?: unknown;
      usedAt?: unknown;
    };
    return typeof meta.repoRoot === "string" && typeof meta.usedAt === "number"
      ? { repoRoot: meta.repoRoot, usedAt: meta.usedAt }
      : null;
  } catch {
    return null;
  }
}

function sizeOf(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
  } catch {
    return 0;
  }
}

export interface RemovedCache {
  dir: string;
  bytes: number;
  reason: "cleaned" | "over the size cap" | "repository gone" | "owner unknown" | "older layout";
}

/**
 * Evicts the least recently used repository folders until all fit in `maxBytes`. `keep` (the folder the
 * running build just used) is never evicted, even when it alone is over the cap.
 */
export async function enforceCacheCap(
  root: string,
  maxBytes: number,
  keep?: string,
): Promise<RemovedCache[]> {
  const folders = listCacheFolders(root);
  let total = folders.reduce((sum, f) => sum + f.bytes, 0);
  const removed: RemovedCache[] = [];
  for (const folder of folders) {
    if (total <= maxBytes) break;
    if (folder.dir === keep) continue;
    await rm(folder.dir, { recursive: true, force: true });
    total -= folder.bytes;
    removed.push({ dir: folder.dir, bytes: folder.bytes, reason: "over the size cap" });
  }
  return removed;
}

export interface CleanOptions {
  env?: Env;
  /** Only this repository's folder. */
  repoRoot?: string;
  dryRun?: boolean;
}

/** `repolora cache clean`: every build cache (or one repository's), plus folders of the older layout. */
export async function cleanCaches(options: CleanOptions = {}): Promise<RemovedCache[]> {
  const env = options.env ?? process.env;
  const root = buildCacheRoot(env);
  const targets: RemovedCache[] = listCacheFolders(root)
    .filter((f) => options.repoRoot === undefined || f.dir === join(root, repoCacheKey(options.repoRoot)))
    .map((f) => ({ dir: f.dir, bytes: f.bytes, reason: "cleaned" }));
  if (options.repoRoot === undefined) {
    for (const f of listCacheFolders(legacyCacheRoot(env)))
      targets.push({ dir: f.dir, bytes: f.bytes, reason: "older layout" });
  } else {
    const legacy = join(legacyCacheRoot(env), repoCacheKey(options.repoRoot));
    if (existsSync(legacy)) targets.push({ dir: legacy, bytes: sizeOf(legacy), reason: "older layout" });
  }
  if (!options.dryRun) for (const t of targets) await rm(t.dir, { recursive: true, force: true });
  return targets;
}

/**
 * What `repolora adapters gc` does to caches: drop folders of repositories that no longer exist, folders
 * with no repo.json (no build is using them: a build writes it first) and those of the older layout, then
 * apply the size cap.
 */
export async function gcCaches(options: { env?: Env; dryRun?: boolean } = {}): Promise<RemovedCache[]> {
  const env = options.env ?? process.env;
  const root = buildCacheRoot(env);
  const removed: RemovedCache[] = [];
  for (const folder of listCacheFolders(root)) {
    if (folder.repoRoot !== null && existsSync(folder.repoRoot)) continue;
    removed.push({
      dir: folder.dir,
      bytes: folder.bytes,
      reason: folder.repoRoot ? "repository gone" : "owner unknown",
    });
  }
  for (const folder of listCacheFolders(legacyCacheRoot(env)))
    removed.push({ dir: folder.dir, bytes: folder.bytes, reason: "older layout" });
  if (options.dryRun) return removed;
  for (const r of removed) await rm(r.dir, { recursive: true, force: true });
  return [...removed, ...(await enforceCacheCap(root, cacheMaxBytes(env)))];
}
