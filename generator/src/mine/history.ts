/**
 * Walks commit history newest first with per-file line counts (`git log --numstat`), streamed so a walk
 * stops as soon as it has what it needs; with a CommitCache (commit-cache.ts) only unknown commits are diffed.
 */
import type { CommitCache } from "./commit-cache.ts";
import { parseRawDiff, type RawChange } from "./diff.ts";
import { isMissingObjectError, type ObjectStore } from "./objects.ts";
import { gitRecordStream, gitRecords } from "./spawn.ts";

export interface FileChange {
  path: string;
  added: number;
  deleted: number;
}

export interface CommitStat {
  hash: string;
  /** Unix seconds (committer time). */
  time: number;
  parents: string[];
  files: FileChange[];
  added: number;
  deleted: number;
}

const LOG_FORMAT = "--format=%x1e%H %ct %P";
/** This many unknown commits at the top of a walk mean a cold cache. */
const COLD_RUN = 8;

/**
 * `onCommit` returns false to stop the walk. `range` is a revision or range such as "HEAD" or "A..HEAD".
 * With a cache, the walk lists commits without diffs and diffs only the commits the cache lacks (batched);
 * the commits, their order and their stats are the same as without it.
 * With a store, a blob missing from it (which makes `git log --numstat` fail) does not end the walk: from the
 * commit that needs it on, the walk goes on without the files whose blobs are missing (walkTolerant).
 */
export async function walkHistory(
  root: string,
  range: string,
  subdir: string,
  onCommit: (commit: CommitStat) => boolean,
  cache?: CommitCache | null,
  store?: ObjectStore,
): Promise<void> {
  let delivered = 0;
  let stopped = false;
  const counted = (commit: CommitStat) => {
    delivered += 1;
    stopped = !onCommit(commit);
    return !stopped;
  };
  try {
    await walkFast(root, range, subdir, counted, cache);
  } catch (error) {
    if (!store || stopped || !isMissingObjectError(error)) throw error;
    await walkTolerant(root, range, subdir, onCommit, store, delivered);
  }
}

async function walkFast(
  root: string,
  range: string,
  subdir: string,
  onCommit: (commit: CommitStat) => boolean,
  cache?: CommitCache | null,
): Promise<void> {
  if (!cache) return walkUncached(root, range, subdir, onCommit, 0);
  const pathspec = subdir ? ["--", subdir] : [];
  let delivered = 0;
  /** Commits read but not yet delivered: a run of cache misses, then possibly one hit. */
  const pending: Array<{ header: CommitStat; files: FileChange[] | undefined }> = [];
  let missing = 0;
  const deliver = (header: CommitStat, files: FileChange[]): boolean => {
    delivered += 1;
    return onCommit(withFiles(header, files));
  };
  /** Diffs the pending misses in one git call and delivers the pending commits, in walk order. */
  const flush = async (): Promise<"go" | "stop" | "incomplete"> => {
    if (missing > 0) {
      const hashes = pending.filter((p) => !p.files).map((p) => p.header.hash);
      const fetched = new Map<string, FileChange[]>();
      try {
        await gitRecords(
          root,
          [
            "log",
            "--no-walk=unsorted",
            "--no-renames",
            "--numstat",
            "-z",
            LOG_FORMAT,
            ...hashes,
            ...pathspec,
          ],
          "\x1e",
          (record) => {
            const commit = parseCommit(record);
            fetched.set(commit.hash, commit.files);
            return true;
          },
        );
      } catch {
        // e.g. a commit past the stop point whose objects are missing (mirrors): the plain walk never reads it.
        return "incomplete";
      }
      for (const p of pending) {
        if (p.files) continue;
        const files = fetched.get(p.header.hash);
        if (!files) return "incomplete";
        p.files = files;
        cache.set(subdir, p.header.hash, files);
      }
    }
    for (const p of pending.splice(0)) if (!deliver(p.header, p.files!)) return "stop";
    missing = 0;
    return "go";
  };
  let outcome: "go" | "stop" | "incomplete" | "cold" = "go";
  for await (const record of gitRecordStream(
    root,
    ["log", "--no-renames", "-z", LOG_FORMAT, range, ...pathspec],
    "\x1e",
  )) {
    const header = parseCommit(record);
    const files = cache.get(subdir, header.hash);
    if (files && pending.length === 0) {
      if (!deliver(header, files)) return;
      continue;
    }
    pending.push({ header, files });
    if (!files) missing += 1;
    // A cold cache (the newest commits all unknown): the plain streamed walk is faster, and fills the cache.
    if (delivered === 0 && missing === COLD_RUN) {
      outcome = "cold";
      break;
    }
    // A run of misses ends at the next hit, or at a batch size that grows with the walk (few git calls for a
    // long run, and at most about half again as many commits diffed as the walk needs).
    if (files || missing >= Math.min(256, Math.max(8, delivered >> 1))) {
      outcome = await flush();
      if (outcome !== "go") break;
    }
  }
  if (outcome === "go") outcome = await flush();
  // Should `--no-walk` ever leave out a commit the walk listed, the plain walk takes over where this stopped.
  if (outcome === "incomplete") await walkUncached(root, range, subdir, onCommit, delivered);
  if (outcome === "cold") await walkUncached(root, range, subdir, onCommit, 0, cache);
}

/** The plain walk: one streamed `git log --numstat`, skipping the first `skip` commits. */
async function walkUncached(
  root: string,
  range: string,
  subdir: string,
  onCommit: (commit: CommitStat) => boolean,
  skip: number,
  fill?: CommitCache,
): Promise<void> {
  const args = ["log", "--no-renames", "--numstat", "-z", LOG_FORMAT, range];
  if (subdir) args.push("--", subdir);
  let seen = 0;
  await gitRecords(root, args, "\x1e", (record) => {
    seen += 1;
    if (seen <= skip) return true;
    const commit = parseCommit(record);
    fill?.set(subdir, commit.hash, commit.files);
    return onCommit(commit);
  });
}

/** How many commits the tolerant walk checks for missing blobs at a time. */
const TOLERANT_BATCH = 64;

/**
 * The walk for a history with missing blobs, skipping its first `skip` commits: `git log --raw` names each
 * change's blobs without reading them; commits whose blobs are all there are diffed together as usual, and a
 * commit that needs a missing blob is diffed only on the files whose blobs are there (none: no files).
 */
async function walkTolerant(
  root: string,
  range: string,
  subdir: string,
  onCommit: (commit: CommitStat) => boolean,
  store: ObjectStore,
  skip: number,
): Promise<void> {
  const pathspec = subdir ? ["--", subdir] : [];
  const batch: RawCommit[] = [];
  /** Diffs and delivers the batch in walk order; false when onCommit stopped the walk. */
  const flush = async (): Promise<boolean> => {
    const commits = batch.splice(0);
    const absent = await store.absent(
      commits.flatMap((c) => c.changes.flatMap((ch) => [ch.before, ch.after])),
    );
    const damaged = (c: RawCommit) => c.changes.some((ch) => absent.has(ch.before) || absent.has(ch.after));
    const whole = commits.filter((c) => !damaged(c)).map((c) => c.header.hash);
    const files = new Map<string, FileChange[]>();
    if (whole.length > 0) await numstat(root, whole, pathspec, files);
    for (const commit of commits) {
      if (!damaged(commit)) continue;
      const intact = commit.changes
        .filter((ch) => !absent.has(ch.before) && !absent.has(ch.after))
        .map((ch) => `:(literal)${ch.path}`);
      if (intact.length > 0) await numstat(root, [commit.header.hash], ["--", ...intact], files);
      else files.set(commit.header.hash, []);
    }
    for (const commit of commits)
      if (!onCommit(withFiles(commit.header, files.get(commit.header.hash) ?? []))) return false;
    return true;
  };
  let seen = 0;
  for await (const record of gitRecordStream(
    root,
    ["log", "--no-renames", "--raw", "--no-abbrev", "-z", LOG_FORMAT, range, ...pathspec],
    "\x1e",
  )) {
    seen += 1;
    if (seen <= skip) continue;
    batch.push(parseRawCommit(record));
    if (batch.length >= TOLERANT_BATCH && !(await flush())) return;
  }
  await flush();
}

/** `git log --no-walk --numstat` of the given commits into `into`, by commit id. */
async function numstat(
  root: string,
  hashes: string[],
  pathspec: string[],
  into: Map<string, FileChange[]>,
): Promise<void> {
  await gitRecords(
    root,
    ["log", "--no-walk=unsorted", "--no-renames", "--numstat", "-z", LOG_FORMAT, ...hashes, ...pathspec],
    "\x1e",
    (record) => {
      const commit = parseCommit(record);
      into.set(commit.hash, commit.files);
      return true;
    },
  );
}

interface RawCommit {
  header: CommitStat;
  changes: RawChange[];
}

/** Parses "HASH TIME PARENTS\0\n:MODE MODE BEFORE AFTER STATUS\0PATH\0..." (`git log --raw -z`). */
export function parseRawCommit(record: string): RawCommit {
  const end = record.indexOf("\0");
  const header = parseCommit(end < 0 ? record : record.slice(0, end));
  return { header, changes: end < 0 ? [] : parseRawDiff(record.slice(end + 1)) };
}

function withFiles(header: CommitStat, files: FileChange[]): CommitStat {
  return {
    ...header,
    files,
    added: files.reduce((sum, f) => sum + f.added, 0),
    deleted: files.reduce((sum, f) => sum + f.deleted, 0),
  };
}

/** Parses "HASH TIME PARENTS\0\nADDED\tDELETED\tPATH\0..." (binary files count "-" as 0 lines). */
export function parseCommit(record: string): CommitStat {
  const [header = "", ...rest] = record.split("\0");
  const [hash = "", time = "0", ...parents] = header.trim().split(" ");
  const files: FileChange[] = [];
  for (const entry of rest) {
    const line = entry.replace(/^\n/, "");
    if (!line) continue;
    const [added, deleted, ...pathParts] = line.split("\t");
    files.push({ path: pathParts.join("\t"), added: Number(added) || 0, deleted: Number(deleted) || 0 });
  }
  return {
    hash,
    time: Number(time),
    parents: parents.filter(Boolean),
    files,
    added: files.reduce((sum, f) => sum + f.added, 0),
    deleted: files.reduce((sum, f) => sum + f.deleted, 0),
  };
}

export interface BulkRule {
  /** A commit adding more lines than this is a bulk add (vendored copy, import of another project). */
  maxLines: number;
  /** ...or touching more files than this (mass reformat, generated code). */
  maxFiles: number;
}

export const DEFAULT_BULK_RULE: BulkRule = { maxLines: 2000, maxFiles: 60 };

/**
 * Bulk commits bring code nobody wrote line by line: large adds, mass edits, and moves (with renames off,
 * a move is a delete and an add of about the same size).
 */
export function isBulkCommit(commit: CommitStat, rule: BulkRule = DEFAULT_BULK_RULE): boolean {
  if (commit.added > rule.maxLines || commit.files.length > rule.maxFiles) return true;
  const isMove =
    commit.added >= 200 && commit.deleted >= 0.8 * commit.added && commit.deleted <= 1.25 * commit.added;
  return isMove && commit.files.length >= 2;
}
