/** Lines that entered the repo after a commit: one `git diff --unified=0 <cutoff> HEAD` for all files. */
import { isMissingObjectError, type ObjectStore } from "./objects.ts";
import { gitText } from "./spawn.ts";

/** Half-open range of 0-based line numbers in the file at HEAD. */
export interface LineRange {
  start: number;
  end: number;
}

/**
 * `paths` (repo-relative) limits the diff to those files, which is much cheaper than the whole tree.
 * With a store, files whose blobs (at either end) are missing are left out instead of failing the diff: they
 * have no added lines, so they give no evaluation examples.
 */
export async function addedLinesSince(
  root: string,
  cutoff: string,
  head: string,
  subdir: string,
  paths?: readonly string[],
  store?: ObjectStore,
): Promise<Map<string, LineRange[]>> {
  const pathspec = paths ? paths.map((p) => `:(literal)${p}`) : subdir ? [subdir] : [];
  const diff = (spec: string[]) =>
    gitText(root, [
      "diff",
      "--unified=0",
      "--no-renames",
      "--no-ext-diff",
      "--no-color",
      cutoff,
      head,
      ...(spec.length > 0 ? ["--", ...spec] : []),
    ]);
  try {
    return parseAddedLines(await diff(pathspec));
  } catch (error) {
    if (!store || !isMissingObjectError(error)) throw error;
  }
  // `--raw` names both ends' blobs without reading them.
  const raw = await gitText(root, [
    "diff",
    "--raw",
    "-z",
    "--no-renames",
    "--no-abbrev",
    cutoff,
    head,
    "--",
    ...pathspec,
  ]);
  const changes = parseRawDiff(raw);
  const absent = await store.absent(changes.flatMap((c) => [c.before, c.after]));
  const damaged = changes.filter((c) => absent.has(c.before) || absent.has(c.after)).map((c) => c.path);
  const excluded = damaged.map((p) => `:(exclude,literal)${p}`);
  return parseAddedLines(await diff([...(pathspec.length > 0 ? pathspec : ["."]), ...excluded]));
}

/** One changed file of a raw diff: its blob before and after (all zeros where there is none). */
export interface RawChange {
  path: string;
  before: string;
  after: string;
}

/** Parses `git diff --raw -z` (and `git log --raw -z`): ":MODE MODE BEFORE AFTER STATUS\0PATH\0" per file. */
export function parseRawDiff(raw: string): RawChange[] {
  const fields = raw.split("\0");
  const changes: RawChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i]!.replace(/^\n/, "").split(" ");
    if (!meta[0]?.startsWith(":")) continue;
    changes.push({ path: fields[i + 1]!, before: meta[2] ?? "", after: meta[3] ?? "" });
  }
  return changes;
}

export function parseAddedLines(diff: string): Map<string, LineRange[]> {
  const added = new Map<string, LineRange[]>();
  let current: LineRange[] | null = null;
  for (const line of diff.split("\n")) {
    if (line.startsWith("+++ ")) {
      // git ends the name with a tab when it contains a space (for patch(1)); a name cannot end in a tab here.
      const target = line.slice(4).replace(/\t$/, "");
      // Deleted files have no lines at HEAD; quoted paths (control characters) are skipped, not guessed.
      current = target.startsWith("b/") ? [] : null;
      if (current) added.set(target.slice(2), current);
      continue;
    }
    if (!current || !line.startsWith("@@")) continue;
    const match = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!match) continue;
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (count > 0) current.push({ start: start - 1, end: start - 1 + count });
  }
  return added;
}

export function countLines(ranges: readonly LineRange[]): number {
  return ranges.reduce((sum, r) => sum + r.end - r.start, 0);
}
