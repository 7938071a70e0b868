/**
 * Stage 3: the files each split is cut from. Training code is the repo as it was at the cutoff (files kept
 * at HEAD that existed then; unchanged ones reused from HEAD's read); evaluation code is HEAD's.
 */
import { listTree } from "../../mine/tree.ts";
import { readSnapshot, type SnapshotFile, type SnapshotStats } from "../snapshot.ts";
import type { BuildContext } from "./context.ts";
import type { EvalPlan } from "./plan-evaluation.ts";
import type { HeadSnapshot } from "./read-head.ts";

export interface SplitFiles {
  trainFiles: SnapshotFile[];
  evalFiles: SnapshotFile[];
  /** The commit training records are cut from: the cutoff, or HEAD with a file holdout. */
  trainCommit: string;
}

export async function splitFiles(
  context: BuildContext,
  head: HeadSnapshot,
  plan: EvalPlan,
): Promise<SplitFiles> {
  const trainFiles =
    plan.mode === "time"
      ? await readCutoffFiles(context, head, plan.cutoff.commit)
      : head.files.filter((f) => !plan.evalPaths.has(f.path));
  await context.caches.scrub?.save();
  const evalFiles =
    plan.mode === "time"
      ? head.files.filter((f) => plan.lines.has(f.path))
      : head.files.filter((f) => plan.evalPaths.has(f.path));
  return {
    trainFiles,
    evalFiles,
    trainCommit: plan.mode === "time" ? plan.cutoff.commit : context.info.head,
  };
}

/** Unchanged files first (same blob at the same path), then the changed ones read at the cutoff. */
async function readCutoffFiles(
  context: BuildContext,
  head: HeadSnapshot,
  commit: string,
): Promise<SnapshotFile[]> {
  const { info, reader, store } = context;
  const keptPaths = new Set(head.files.map((f) => f.path));
  const byBlob = new Map(head.files.map((f) => [f.blob, f]));
  const entries = (await listTree(info.root, commit, info.subdir, store)).filter((e) =>
    keptPaths.has(e.path),
  );
  const unchanged = entries.filter((e) => byBlob.get(e.blob)?.path === e.path);
  const changed = entries.filter((e) => byBlob.get(e.blob)?.path !== e.path);
  const cutoffStats: SnapshotStats = { skipped: {}, scrubbed: {} };
  const changedFiles = await readSnapshot(changed, reader, head.snapshotOptions, cutoffStats, () => {});
  return [...unchanged.map((e) => byBlob.get(e.blob)!), ...changedFiles];
}
