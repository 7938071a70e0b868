/**
 * Atomic outputs: everything is written into a temporary sibling folder, which is renamed into place only
 * when complete. A crash or Ctrl-C leaves the previous output (or nothing) — never a half-written one.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { RepoLoraError } from "./errors.ts";

export interface StagedDir {
  /** Write files here. */
  path: string;
  /** Moves the staged folder to the target, replacing an existing one only now. */
  commit(): Promise<void>;
  /** Removes the staged folder; safe to call after commit. */
  discard(): Promise<void>;
}

export function assertWritableTarget(target: string, force: boolean): void {
  if (existsSync(target) && !force) {
    throw new RepoLoraError(
      "OUTPUT_EXISTS",
      `${target} already exists.`,
      "Pass --force to replace it, or choose another --out folder.",
    );
  }
}

export async function stageDir(target: string): Promise<StagedDir> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const staged = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(staged);
  let committed = false;
  return {
    path: staged,
    async commit() {
      if (existsSync(target)) {
        const old = join(parent, `.${basename(target)}.old-${process.pid}-${Date.now().toString(36)}`);
        await rename(target, old);
        await rename(staged, target);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(staged, target);
      }
      committed = true;
    },
    async discard() {
      if (!committed) await rm(staged, { recursive: true, force: true });
    },
  };
}
