/**
 * A cross-process lock for the registry: a lock file created with O_EXCL holding the owner's pid. A lock whose
 * owner is no longer alive (killed, crashed) is stale and is taken over; a live owner is waited for.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { RepoLoraError } from "../../util/errors.ts";

export interface LockOptions {
  /** How long to wait for a live owner before giving up (default 10 s). */
  timeoutMs?: number;
  /** Poll interval while waiting (default 20 ms). */
  pollMs?: number;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ownerOf(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim().split(/\s+/)[0] ?? "", 10);
    return Number.isFinite(pid) ? pid : null;
  } catch {
    return null;
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, "wx");
    try {
      writeSync(fd, `${process.pid} ${new Date().toISOString()}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` holding the lock file `path`; always releases it (unless the process is killed: then it is stale). */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const poll = options.pollMs ?? 20;
  for (;;) {
    if (tryCreate(path)) break;
    const owner = ownerOf(path);
    // An unreadable or empty lock may be one being written right now: give its writer a moment first.
    const stale = owner === null ? olderThan(path, 5_000) : owner !== process.pid && !pidAlive(owner);
    if (stale) {
      // Stale: remove it only if it still names the dead owner (another waiter may have replaced it already).
      if (ownerOf(path) === owner) rmSync(path, { force: true });
      else await sleep(poll);
      continue;
    }
    if (Date.now() > deadline) {
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `The adapter registry is locked by process ${owner ?? "?"} (${path}).`,
        "Wait for the other repolora command to finish, or delete the lock file if that process is gone.",
      );
    }
    await sleep(poll + Math.floor(Math.random() * poll));
  }
  try {
    return await fn();
  } finally {
    if (ownerOf(path) === process.pid) rmSync(path, { force: true });
  }
}
