/** Lines that entered the repo after a commit: one `git diff --unified=0 <cutoff> HEAD` for all files. */
import { gitText } from "./spawn.ts";

/** Half-open range of 0-based line numbers in the file at HEAD. */
export interface LineRange {
  start: number;
  end: number;
}

/** `paths` (repo-relative) limits the diff to those files, which is much cheaper than the whole tree. */
export async function addedLinesSince(
  root: string,
  cutoff: string,
  head: string,
  subdir: string,
  paths?: readonly string[],
): Promise<Map<string, LineRange[]>> {
  const args = ["diff", "--unified=0", "--no-renames", "--no-ext-diff", "--no-color", cutoff, head];
  if (paths) args.push("--", ...paths.map((p) => `:(literal)${p}`));
  else if (subdir) args.push("--", subdir);
  return parseAddedLines(await gitText(root, args));
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
