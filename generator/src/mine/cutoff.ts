/**
 * The time split's cutoff: evaluation code is what entered the repo after it, training code is the repo
 * as it was at it. Default: the newest ~10% of changed lines, not counting bulk commits.
 */
import { RepoLoraError } from "../util/errors.ts";
import type { CommitCache } from "./commit-cache.ts";
import { type BulkRule, type CommitStat, DEFAULT_BULK_RULE, isBulkCommit, walkHistory } from "./history.ts";
import type { ObjectStore } from "./objects.ts";
import { gitText } from "./spawn.ts";

export type CutoffSource = "default" | "date" | "commit";

export interface Cutoff {
  commit: string;
  time: Date;
  source: CutoffSource;
  /** The commits after the cutoff, newest first, when the walk that found it already read them. */
  window?: CommitStat[];
}

export interface DefaultCutoffRequest {
  root: string;
  head: string;
  subdir: string;
  /** Which paths count (the files kept for the dataset). */
  counts: (path: string) => boolean;
  /** Lines of kept code at HEAD; the window takes `share` of it. */
  totalLines: number;
  share: number;
  bulk?: BulkRule;
  /** Per-commit numstat cache (commit-cache.ts); null or absent: read everything from git. */
  commitCache?: CommitCache | null;
  /** Lets the walk skip what missing blobs touch instead of failing (objects.ts). */
  store?: ObjectStore;
}

/** Null when the history is too short to hold out anything by time (one commit, or a shallow clone). */
export async function defaultCutoff(request: DefaultCutoffRequest): Promise<Cutoff | null> {
  const target = Math.max(1, Math.round(request.totalLines * request.share));
  let windowLines = 0;
  let cutoffHash: string | null = null;
  const window: CommitStat[] = [];
  await walkHistory(
    request.root,
    request.head,
    request.subdir,
    (commit) => {
      window.push(commit);
      if (!isBulkCommit(commit, request.bulk ?? DEFAULT_BULK_RULE)) {
        windowLines += commit.files
          .filter((f) => request.counts(f.path))
          .reduce((sum, f) => sum + f.added, 0);
      }
      if (windowLines < target) return true;
      cutoffHash = commit.parents[0] ?? null;
      return false;
    },
    request.commitCache,
    request.store,
  );
  if (!cutoffHash) return null;
  return { commit: cutoffHash, time: await commitTime(request.root, cutoffHash), source: "default", window };
}

/** `--cutoff`: a commit-ish, or a date (the newest commit at or before it). */
export async function explicitCutoff(root: string, head: string, value: string): Promise<Cutoff> {
  const commit = await gitText(root, ["rev-parse", "--verify", "--quiet", `${value}^{commit}`]).catch(
    () => "",
  );
  let cutoff: Cutoff;
  if (/^[0-9a-f]{40}$/.test(commit.trim())) {
    cutoff = { commit: commit.trim(), time: await commitTime(root, commit.trim()), source: "commit" };
  } else {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      throw new RepoLoraError(
        "BAD_CUTOFF",
        `--cutoff '${value}' is neither a commit nor a date.`,
        "Use a commit (abc1234, HEAD~20, v1.2) or an ISO date (2025-06-01).",
      );
    }
    const found = (await gitText(root, ["rev-list", "-1", `--before=${date.toISOString()}`, head])).trim();
    if (!found) {
      throw new RepoLoraError(
        "BAD_CUTOFF",
        `No commit is older than --cutoff ${value}.`,
        "Choose a later date.",
      );
    }
    cutoff = { commit: found, time: await commitTime(root, found), source: "date" };
  }
  if (cutoff.commit === head) {
    throw new RepoLoraError(
      "BAD_CUTOFF",
      `--cutoff ${value} is HEAD: nothing entered the repo after it, so there is no evaluation code.`,
      "Choose an older commit or date.",
    );
  }
  const isAncestor = await gitText(root, ["merge-base", "--is-ancestor", cutoff.commit, head]).then(
    () => true,
    () => false,
  );
  if (!isAncestor) {
    throw new RepoLoraError("BAD_CUTOFF", `--cutoff ${value} is not an ancestor of HEAD.`);
  }
  return cutoff;
}

export interface EvalWindow {
  commits: number;
  bulkCommits: CommitStat[];
  /**
   * Newest bulk commit after the cutoff per path it touched: only lines added after it are used for
   * evaluation in that file (the bulk commit's own lines, and older window lines, are not).
   */
  lastBulkByPath: Map<string, string>;
  /** Newest change after the cutoff per path. */
  lastChange: Map<string, { commit: string; time: number }>;
}

/** Reads the commits after the cutoff (unless the cutoff's walk already did) and finds the bulk ones. */
export async function analyseWindow(
  root: string,
  cutoff: Cutoff,
  head: string,
  subdir: string,
  bulk: BulkRule = DEFAULT_BULK_RULE,
  commitCache?: CommitCache | null,
  store?: ObjectStore,
): Promise<EvalWindow> {
  let commits = cutoff.window;
  if (!commits) {
    const read: CommitStat[] = [];
    await walkHistory(
      root,
      `${cutoff.commit}..${head}`,
      subdir,
      (commit) => read.push(commit) > 0,
      commitCache,
      store,
    );
    commits = read;
  }
  const window: EvalWindow = {
    commits: commits.length,
    bulkCommits: [],
    lastBulkByPath: new Map(),
    lastChange: new Map(),
  };
  for (const commit of commits) {
    for (const file of commit.files) {
      if (!window.lastChange.has(file.path))
        window.lastChange.set(file.path, { commit: commit.hash, time: commit.time });
    }
    if (isBulkCommit(commit, bulk)) {
      window.bulkCommits.push(commit);
      // Newest first: the first bulk commit seen for a path is its last one.
      for (const file of commit.files)
        if (!window.lastBulkByPath.has(file.path)) window.lastBulkByPath.set(file.path, commit.hash);
    }
  }
  return window;
}

async function commitTime(root: string, commit: string): Promise<Date> {
  return new Date(Number((await gitText(root, ["show", "-s", "--format=%ct", commit])).trim()) * 1000);
}
