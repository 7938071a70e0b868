/**
 * Walks commit history newest first with per-file line counts (`git log --numstat`), streamed so a walk
 * stops as soon as it has what it needs.
 */
import { gitRecords } from "./spawn.ts";

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

/** `onCommit` returns false to stop the walk. `range` is a revision or range such as "HEAD" or "A..HEAD". */
export async function walkHistory(
  root: string,
  range: string,
  subdir: string,
  onCommit: (commit: CommitStat) => boolean,
): Promise<void> {
  const args = ["log", "--no-renames", "--numstat", "-z", "--format=%x1e%H %ct %P", range];
  if (subdir) args.push("--", subdir);
  await gitRecords(root, args, "\x1e", (record) => onCommit(parseCommit(record)));
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
