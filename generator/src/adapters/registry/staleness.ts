/**
 * How far an adapter is behind the repository: commits on HEAD since the commit it was trained at, and the
 * lines those commits changed (`git rev-list --count <head>..HEAD`, `git diff --shortstat <head> HEAD`).
 * Never throws: when git cannot tell (folder gone, commit not in this clone), `error` says why.
 */
import { execFile } from "node:child_process";

export interface Staleness {
  /** The repository checked (the adapter's recorded root unless another was given). */
  root: string;
  trainedHead: string;
  head: string | null;
  commitsBehind: number | null;
  filesChanged: number | null;
  insertions: number | null;
  deletions: number | null;
  /** insertions + deletions */
  changedLines: number | null;
  error?: string;
}

function git(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd: root, timeout: 15_000, maxBuffer: 1 << 20, env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" } },
      (error, stdout, stderr) => {
        if (error) reject(new Error((stderr || error.message).trim().split("\n")[0]));
        else resolve(stdout);
      },
    );
  });
}

/** Parses `git diff --shortstat`: " 3 files changed, 10 insertions(+), 2 deletions(-)" (parts may be absent). */
export function parseShortstat(text: string): { files: number; insertions: number; deletions: number } {
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    files: num(/(\d+) files? changed/),
    insertions: num(/(\d+) insertions?\(\+\)/),
    deletions: num(/(\d+) deletions?\(-\)/),
  };
}

/** `subdir` (repo-relative) limits the changed-lines count to the part of a monorepo the adapter was trained on. */
export async function computeStaleness(
  root: string,
  trainedHead: string,
  subdir?: string | null,
): Promise<Staleness> {
  const result: Staleness = {
    root,
    trainedHead,
    head: null,
    commitsBehind: null,
    filesChanged: null,
    insertions: null,
    deletions: null,
    changedLines: null,
  };
  if (!/^[0-9a-f]{4,64}$/i.test(trainedHead))
    return { ...result, error: `'${trainedHead}' is not a commit hash` };
  try {
    result.head = (await git(root, ["rev-parse", "HEAD"])).trim();
  } catch (error) {
    return { ...result, error: `not a git repository or no commits: ${(error as Error).message}` };
  }
  try {
    await git(root, ["cat-file", "-e", `${trainedHead}^{commit}`]);
  } catch {
    return {
      ...result,
      error: `commit ${trainedHead.slice(0, 12)} is not in this clone (rewritten history or shallow)`,
    };
  }
  const count = Number((await git(root, ["rev-list", "--count", `${trainedHead}..HEAD`])).trim());
  result.commitsBehind = Number.isFinite(count) ? count : null;
  const pathspec = subdir ? ["--", subdir] : [];
  const stat = parseShortstat(await git(root, ["diff", "--shortstat", trainedHead, "HEAD", ...pathspec]));
  result.filesChanged = stat.files;
  result.insertions = stat.insertions;
  result.deletions = stat.deletions;
  result.changedLines = stat.insertions + stat.deletions;
  return result;
}
