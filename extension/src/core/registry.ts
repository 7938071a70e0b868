/**
 * The adapter registry as the CLI keeps it (generator/src/adapters/registry/registry.ts), read from disk: the extension
 * may not import generator code (layer rule), so this reads the on-disk contract documented in
 * docs/ADAPTERS.md ("What the extension reads"):
 *
 *   <root>/<repoKey>/<folder>/     a bundle: repolora.json + adapter_config.json + adapter_model.safetensors
 *   <root>/<repoKey>/active.json   {"adapter": "<folder>", ...}: the repository's active adapter
 *   <root>/<repoKey>/.<hidden>     a writer's staging or delete folder: never read
 *
 * The layout, the repository key and the file names are the contracts leaf's (runtime/src/contracts/registry.ts,
 * bundle-manifest.ts), shared with the CLI.
 *
 * Reads take no lock (the CLI writes every file by rename). Nothing here throws on a bad folder: a broken or
 * half-deleted bundle, an unreadable folder or a corrupt active.json is skipped with one log line.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import {
  isBundleFileName,
  MANIFEST_FILE,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
} from "../../../runtime/src/contracts/bundle-manifest.ts";
import {
  ACTIVE_FILE,
  ActiveRecord,
  IMPORTED_REPO_KEY,
  repoKey,
  repoName,
} from "../../../runtime/src/contracts/registry.ts";
import { normalizeRemote, redactUrlCredentials } from "../../../runtime/src/contracts/remote.ts";
import { type AdapterInfo, isSameRepo, readAdapter } from "./adapters.ts";
import { commitsSince } from "./git.ts";
import { type Logger, silentLogger } from "./log.ts";

export interface RegistryAdapter extends AdapterInfo {
  /** "<repoKey>/<folder>", as the CLI names it. */
  id: string;
  repoKey: string;
  /** Named by its repository's active.json. */
  active: boolean;
  /** Commits on the workspace's HEAD since the adapter's training commit (this repository's adapters only). */
  commitsBehind?: number | null;
}

export interface RegistryListing {
  root: string;
  adapters: RegistryAdapter[];
  /** repoKey → the active adapter's folder name (only where that folder is a healthy bundle). */
  active: Map<string, string>;
}

/** Why a bundle folder cannot be used (half deleted, hand edited), or [] when it can. No hashing. */
export function bundleProblems(dir: string): string[] {
  const problems: string[] = [];
  let manifest: Record<string, unknown> | null = null;
  try {
    const parsed = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as unknown;
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      manifest = parsed as Record<string, unknown>;
    else problems.push(`${MANIFEST_FILE} is not a JSON object`);
  } catch (error) {
    problems.push(
      existsSync(join(dir, MANIFEST_FILE))
        ? `${MANIFEST_FILE} is not valid JSON (${(error as Error).message})`
        : `${MANIFEST_FILE} is missing`,
    );
  }
  for (const file of [PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE])
    if (!existsSync(join(dir, file))) problems.push(`${file} is missing`);
  const files = manifest?.files;
  if (files !== null && typeof files === "object" && !Array.isArray(files)) {
    for (const name of Object.keys(files)) {
      if (!isBundleFileName(name)) problems.push(`${MANIFEST_FILE} lists an unexpected file name '${name}'`);
      else if (!existsSync(join(dir, name)))
        problems.push(`${name} is listed in ${MANIFEST_FILE} but missing`);
    }
  }
  return problems;
}

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

/** The folder named by `<root>/<repoKey>/active.json`, or null (absent, corrupt: logged). */
export function readActive(root: string, repoKey: string, log: Logger = silentLogger): string | null {
  const path = join(root, repoKey, ACTIVE_FILE);
  if (!existsSync(path)) return null;
  try {
    const parsed = ActiveRecord.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (parsed.success) return parsed.data.adapter;
    log.log("warn", "registry.skip", { path, problems: ["names no valid adapter"] });
  } catch (error) {
    log.log("warn", "registry.skip", { path, problems: [`not valid JSON (${(error as Error).message})`] });
  }
  return null;
}

/**
 * Every healthy bundle of the registry (plus `known` bundle folders outside it, e.g. trained into another
 * folder through the extension), each with its repository key and whether it is that repository's active one.
 */
export function readRegistry(
  root: string,
  known: string[] = [],
  log: Logger = silentLogger,
): RegistryListing {
  const absolute = resolve(root);
  const adapters: RegistryAdapter[] = [];
  const active = new Map<string, string>();
  const seen = new Set<string>();
  let repoKeys: string[] = [];
  try {
    if (existsSync(absolute)) repoKeys = subfolders(absolute);
  } catch (error) {
    log.log("warn", "registry.skip", { path: absolute, problems: [(error as Error).message] });
  }
  for (const repoKey of repoKeys) {
    let folders: string[];
    try {
      folders = subfolders(join(absolute, repoKey));
    } catch (error) {
      log.log("warn", "registry.skip", {
        path: join(absolute, repoKey),
        problems: [(error as Error).message],
      });
      continue;
    }
    const activeName = readActive(absolute, repoKey, log);
    if (activeName && !folders.includes(activeName))
      log.log("warn", "registry.skip", {
        path: join(absolute, repoKey, ACTIVE_FILE),
        problems: [`active adapter '${activeName}' no longer exists`],
      });
    for (const name of folders) {
      const entry = readEntry(join(absolute, repoKey, name), repoKey, log);
      if (!entry) continue;
      entry.active = name === activeName;
      if (entry.active) active.set(repoKey, name);
      adapters.push(entry);
      seen.add(entry.dir);
    }
  }
  for (const dir of known) {
    if (seen.has(resolve(dir)) || !existsSync(dir)) continue;
    const entry = readEntry(dir, basename(resolve(dir, "..")), log);
    if (entry) {
      adapters.push(entry);
      seen.add(entry.dir);
    }
  }
  return { root: absolute, adapters, active };
}

function readEntry(dir: string, repoKey: string, log: Logger): RegistryAdapter | null {
  try {
    const problems = bundleProblems(dir);
    const info = problems.length === 0 ? readAdapter(dir) : null;
    if (!info) {
      log.log("warn", "registry.skip", { path: dir, problems });
      return null;
    }
    return { ...info, id: `${repoKey}/${basename(dir)}`, repoKey, active: false };
  } catch (error) {
    log.log("warn", "registry.skip", { path: dir, problems: [(error as Error).message] });
    return null;
  }
}

/** The workspace's repository as the CLI identifies it (generator/src/mine/repo.ts, train/locations.ts). */
export interface RepoIdentity {
  /** `git rev-parse --show-toplevel`, else the folder. */
  root: string;
  /** The `origin` remote's fetch URL (else the first remote's), credentials removed; null when none. */
  remote: string | null;
  name: string;
  /** The registry folder `repolora train` files this repository's adapters under. */
  key: string;
}

/** The fetch URL `git remote -v` lists for origin, else for the first remote (simple-git's getRemotes). */
export function pickRemote(remoteVerbose: string): string | null {
  const fetch = new Map<string, string>();
  for (const line of remoteVerbose.split("\n")) {
    const match = /^(\S+)\s+(\S+)\s+\(fetch\)$/.exec(line.trim());
    if (match && !fetch.has(match[1]!)) fetch.set(match[1]!, match[2]!);
  }
  const url = fetch.get("origin") ?? [...fetch.values()][0];
  return url ? redactUrlCredentials(url) : null;
}

function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((done) => {
    execFile(
      "git",
      args,
      { cwd, timeout: 5000, env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" } },
      (error, out) => done(error ? null : out),
    );
  });
}

export async function repoIdentity(folder: string): Promise<RepoIdentity> {
  const top = (await git(folder, ["rev-parse", "--show-toplevel"]))?.trim();
  const root = top || resolve(folder);
  const remote = top ? pickRemote((await git(root, ["remote", "-v"])) ?? "") : null;
  const name = repoName(remote, root);
  return { root, remote, name, key: repoKey(name, remote ?? root) };
}

export function isThisRepo(adapter: RegistryAdapter, repo: RepoIdentity): boolean {
  return adapter.repoKey === repo.key || isSameRepo(adapter.repo, repo);
}

/**
 * The registry's default for a workspace without an explicit binding: the active adapter of the repository's
 * own key, else of another key whose adapters were trained on this repository (another clone path, another
 * URL form of the remote).
 */
export function activeAdapterFor(listing: RegistryListing, repo: RepoIdentity): RegistryAdapter | null {
  const active = listing.adapters.filter((a) => a.active && isThisRepo(a, repo));
  return active.find((a) => a.repoKey === repo.key) ?? active[0] ?? null;
}

/** "github.com/acme" of a remote in any URL form; null without a remote or an owner part. */
export function organizationOf(remote: string | null | undefined): string | null {
  if (!remote) return null;
  const parts = normalizeRemote(remote).split("/");
  return parts.length >= 3 ? parts.slice(0, -1).join("/") : null;
}

export type AdapterGroup = "repo" | "organization" | "other" | "unattached";

/**
 * Which picker section an adapter belongs in: this repository; the same organization (same host and owner of
 * the remote: an org-wide or sibling repository's adapter); another repository; or none (imported without
 * a repository, or a bundle that records none).
 */
export function groupOf(adapter: RegistryAdapter, repo: RepoIdentity): AdapterGroup {
  if (isThisRepo(adapter, repo)) return "repo";
  const org = organizationOf(repo.remote);
  if (org && organizationOf(adapter.repo.remote) === org) return "organization";
  // An org-wide adapter (no repository of its own) belongs with the repositories it was trained on.
  const orgRepos = adapter.orgRepos ?? [];
  if (orgRepos.some((r) => isSameRepo(r, repo) || (org !== null && organizationOf(r.remote) === org)))
    return "organization";
  if (adapter.repoKey === IMPORTED_REPO_KEY || (!adapter.repo.root && !adapter.repo.remote))
    return "unattached";
  return "other";
}

const GROUP_ORDER: Record<AdapterGroup, number> = { repo: 0, organization: 1, other: 2, unattached: 3 };

/** For the pickers: by group, the active adapter first within a repository's, then newest first. */
export function sortForPicker(adapters: RegistryAdapter[], repo: RepoIdentity): RegistryAdapter[] {
  const time = (a: RegistryAdapter) => Date.parse(a.repo.trainedAt ?? "") || 0;
  return [...adapters].sort(
    (a, b) =>
      GROUP_ORDER[groupOf(a, repo)] - GROUP_ORDER[groupOf(b, repo)] ||
      Number(b.active) - Number(a.active) ||
      time(b) - time(a) ||
      a.id.localeCompare(b.id),
  );
}

/** Fills `commitsBehind` of this repository's adapters (one `git rev-list --count` per distinct commit). */
export async function addStaleness(
  adapters: RegistryAdapter[],
  repo: RepoIdentity,
  count: (root: string, head: string) => Promise<number | null> = commitsSince,
): Promise<void> {
  const byHead = new Map<string, Promise<number | null>>();
  for (const adapter of adapters) {
    const head = adapter.repo.head;
    if (!head || !isThisRepo(adapter, repo)) continue;
    if (!byHead.has(head)) byHead.set(head, count(repo.root, head));
    adapter.commitsBehind = await byHead.get(head)!;
  }
}
