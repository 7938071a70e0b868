/**
 * Raw git processes for the bulk reads simple-git buffers as strings (trees, logs, diffs, blobs):
 * binary-safe, streamed, and killable early.
 */
import { spawn } from "node:child_process";
import { RepoLoraError } from "../util/errors.ts";

const GIT_FLAGS = ["-c", "core.quotePath=false", "-c", "color.ui=never"];

/** Set to "1" (`repolora dataset --fetch-missing`) to let git fetch a partial clone's missing objects. */
export const FETCH_MISSING_ENV = "REPOLORA_FETCH_MISSING";

/**
 * The environment of every git the miners run: never a prompt, and no implicit fetch of missing objects
 * unless the user asked for it. GIT_NO_LAZY_FETCH is git >= 2.44's switch; older gits get no transport at all
 * (GIT_ALLOW_PROTOCOL lists none), so their lazy fetch fails at once instead of reaching the network.
 */
export function gitEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const quiet = { ...env, GIT_TERMINAL_PROMPT: "0" };
  if (env[FETCH_MISSING_ENV] === "1") return quiet;
  return { ...quiet, GIT_NO_LAZY_FETCH: "1", GIT_ALLOW_PROTOCOL: "none" };
}

/** Starts git with `input` (default: nothing) on its stdin. */
function spawnGit(root: string, args: string[], input = "") {
  const child = spawn("git", [...GIT_FLAGS, ...args], {
    cwd: root,
    env: gitEnvironment(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.on("error", () => {}); // git may exit before reading it all; its exit code tells what went wrong
  child.stdin.end(input);
  return child;
}

/** Runs git to completion (with `input` on its stdin, if given) and returns stdout as bytes. */
export function gitBytes(root: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnGit(root, args, input);
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
    const child = spawnGit(root, args);
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
  const child = spawnGit(root, args);
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
