/**
 * Raw git processes for the bulk reads simple-git buffers as strings (trees, logs, diffs, blobs):
 * binary-safe, streamed, and killable early.
 */
import { spawn } from "node:child_process";
import { RepoLoraError } from "../util/errors.ts";

const GIT_FLAGS = ["-c", "core.quotePath=false", "-c", "color.ui=never"];

/** Runs git to completion and returns stdout as bytes. */
export function gitBytes(root: string, args: string[]): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("git", [...GIT_FLAGS, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) =>
      reject(new RepoLoraError("GIT_FAILED", `Could not run git: ${error.message}`)),
    );
    child.on("close", (code) => {
      if (code === 0) resolvePromise(Buffer.concat(out));
      else
        reject(
          new RepoLoraError(
            "GIT_FAILED",
            `git ${args[0]} failed (${code}): ${Buffer.concat(err).toString().trim()}`,
          ),
        );
    });
  });
}

export async function gitText(root: string, args: string[]): Promise<string> {
  return (await gitBytes(root, args)).toString("utf8");
}

/**
 * Streams git's stdout split on a record separator; `onRecord` returns false to stop early
 * (the process is killed, which is how a history walk ends once it has what it needs).
 */
export function gitRecords(
  root: string,
  args: string[],
  separator: string,
  onRecord: (record: string) => boolean,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("git", [...GIT_FLAGS, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let pending = "";
    let stopped = false;
    const err: Buffer[] = [];
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (stopped) return;
      pending += chunk;
      let at = pending.indexOf(separator);
      while (at >= 0) {
        const record = pending.slice(0, at);
        pending = pending.slice(at + separator.length);
        if (record && !onRecord(record)) {
          stopped = true;
          child.kill();
          return;
        }
        at = pending.indexOf(separator);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) =>
      reject(new RepoLoraError("GIT_FAILED", `Could not run git: ${error.message}`)),
    );
    child.on("close", (code) => {
      if (!stopped && pending) onRecord(pending);
      if (stopped || code === 0) resolvePromise();
      else
        reject(
          new RepoLoraError(
            "GIT_FAILED",
            `git ${args[0]} failed (${code}): ${Buffer.concat(err).toString().trim()}`,
          ),
        );
    });
  });
}
