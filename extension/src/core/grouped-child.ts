/**
 * A CLI child process in its own process group, its output as lines, and a cancel that ends the whole group:
 * `repolora model prepare` runs the fetch script (and pip under it) synchronously, so signalling the CLI alone
 * would leave them running. POSIX only (process groups); elsewhere cancel signals the child.
 */
import { spawn } from "node:child_process";
import { lineSplitter } from "./training.ts";

export interface GroupedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  cancelled: boolean;
  /** Set when the process could not be started. */
  spawnError?: string;
}

export interface GroupedChild {
  readonly pid: number | undefined;
  readonly exited: Promise<GroupedExit>;
  cancel(): void;
}

export function spawnGrouped(
  command: string,
  args: readonly string[],
  onLine: (stream: "stdout" | "stderr", line: string) => void,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): GroupedChild {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let cancelled = false;
  let spawnError: string | undefined;
  const stdout = lineSplitter((line) => onLine("stdout", line));
  const stderr = lineSplitter((line) => onLine("stderr", line));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout.push(chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const exited = new Promise<GroupedExit>((resolve) => {
    child.on("error", (error) => {
      spawnError = error.message;
    });
    child.on("close", (code, signal) => {
      stdout.end();
      stderr.end();
      resolve({ code, signal, cancelled, ...(spawnError ? { spawnError } : {}) });
    });
  });
  return {
    pid: child.pid,
    exited,
    cancel() {
      cancelled = true;
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
    },
  };
}
