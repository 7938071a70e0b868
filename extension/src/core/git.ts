import { execFile } from "node:child_process";

/** Commits on HEAD since `head` (the adapter's training commit); null when git cannot tell. */
export function commitsSince(root: string, head: string): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["rev-list", "--count", `${head}..HEAD`],
      { cwd: root, timeout: 5000 },
      (error, stdout) => {
        const count = Number(stdout.trim());
        resolve(error || !Number.isFinite(count) ? null : count);
      },
    );
  });
}
