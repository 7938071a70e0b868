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

/**
 * Like gitRecords, but pulled: records come as the consumer asks for them (the pipe applies backpressure),
 * so the consumer may await between records. Leaving the loop early kills git.
 */
export async function* gitRecordStream(
  root: string,
  args: string[],
  separator: string,
): AsyncGenerator<string, void, undefined> {
  const child = spawn("git", [...GIT_FLAGS, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const err: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const closed = new Promise<number | null>((resolvePromise, reject) => {
    child.on("error", (error) =>
      reject(new RepoLoraError("GIT_FAILED", `Could not run git: ${error.message}`)),
    );
    child.on("close", (code) => resolvePromise(code));
  });
  closed.catch(() => {});
  let finishedReading = false;
  try {
    child.stdout.setEncoding("utf8");
    let pending = "";
    for await (const chunk of child.stdout as AsyncIterable<string>) {
      pending += chunk;
      let at = pending.indexOf(separator);
      while (at >= 0) {
        const record = pending.slice(0, at);
        pending = pending.slice(at + separator.length);
        if (record) yield record;
        at = pending.indexOf(separator);
      }
    }
    const code = await closed;
    if (code !== 0) {
      throw new RepoLoraError(
        "GIT_FAILED",
        `git ${args[0]} failed (${code}): ${Buffer.concat(err).toString().trim()}`,
      );
    }
    finishedReading = true;
    if (pending) yield pending;
  } finally {
    if (!finishedReading) child.kill();
  }
}
