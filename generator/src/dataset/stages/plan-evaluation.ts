/**
 * Stage 2: which code is evaluation material. With enough history, the lines added after the cutoff
 * (mine/cutoff.ts), minus those of bulk commits; otherwise a seeded ~evalShare of files.
 */
import { analyseWindow, type Cutoff, defaultCutoff, explicitCutoff } from "../../mine/cutoff.ts";
import { addedLinesSince, type LineRange } from "../../mine/diff.ts";
import { DEFAULT_SAMPLING } from "../examples.ts";
import { seededRandom } from "../random.ts";
import type { SnapshotFile } from "../snapshot.ts";
import type { BuildContext } from "./context.ts";
import type { HeadSnapshot } from "./read-head.ts";

/** Evaluation-eligible lines per path (time split), or evaluation files when history is too short. */
export type EvalPlan =
  | { mode: "time"; cutoff: Cutoff; lines: Map<string, LineRange[]>; bulkCommits: number }
  | { mode: "files"; evalPaths: Set<string> };

export async function planEvaluation(context: BuildContext, head: HeadSnapshot): Promise<EvalPlan> {
  const { info, options, store } = context;
  const commitCache = context.caches.commits;
  const evalShare = options.evalShare ?? 0.1;
  const kept = new Set(head.files.map((f) => f.path));
  const cutoff = options.cutoff
    ? await explicitCutoff(info.root, info.head, options.cutoff)
    : await defaultCutoff({
        root: info.root,
        head: info.head,
        subdir: info.subdir,
        counts: (path) => kept.has(path),
        totalLines: head.totalLines,
        share: evalShare,
        commitCache,
        store,
      });
  const plan = cutoff ? await timeSplit(context, cutoff, kept) : fileHoldout(context, head.files, evalShare);
  await commitCache?.save();
  return plan;
}

function fileHoldout(context: BuildContext, files: readonly SnapshotFile[], evalShare: number): EvalPlan {
  context.warnings.push(
    "History is too short to hold out code by time; evaluation uses a seeded ~10% of files instead (scores are less honest).",
  );
  const random = seededRandom(context.options.sampling?.seed ?? DEFAULT_SAMPLING.seed, context.info.head);
  const paths = files.map((f) => f.path);
  const evalPaths = new Set(paths.filter(() => random() < evalShare));
  if (evalPaths.size === 0 && paths.length > 1) evalPaths.add(paths[Math.floor(random() * paths.length)]!);
  return { mode: "files", evalPaths };
}

/** Lines added since the cutoff; in files a bulk commit touched, only those added after it (one diff per bulk). */
async function timeSplit(context: BuildContext, cutoff: Cutoff, kept: Set<string>): Promise<EvalPlan> {
  const { info, store } = context;
  const [added, window] = await Promise.all([
    addedLinesSince(info.root, cutoff.commit, info.head, info.subdir, undefined, store),
    analyseWindow(info.root, cutoff, info.head, info.subdir, undefined, context.caches.commits, store),
  ]);
  const pathsByBulk = new Map<string, string[]>();
  for (const [path, commit] of window.lastBulkByPath) {
    if (added.has(path) && kept.has(path))
      pathsByBulk.set(commit, [...(pathsByBulk.get(commit) ?? []), path]);
  }
  const bulkCommits = [...pathsByBulk.keys()];
  const bulkDiffs = await Promise.all(
    bulkCommits.map((c) => addedLinesSince(info.root, c, info.head, info.subdir, pathsByBulk.get(c), store)),
  );
  const sinceBulk = new Map(bulkCommits.map((c, i) => [c, bulkDiffs[i]!]));
  const lines = new Map<string, LineRange[]>();
  for (const [path, ranges] of added) {
    if (!kept.has(path)) continue;
    const bulk = window.lastBulkByPath.get(path);
    const eligible = bulk ? (sinceBulk.get(bulk)?.get(path) ?? []) : ranges;
    if (eligible.length > 0) lines.set(path, eligible);
  }
  if (window.bulkCommits.length > 0) {
    context.warnings.push(
      `${window.bulkCommits.length} bulk commit(s) after the cutoff (${window.lastBulkByPath.size} files): their lines are not used for evaluation.`,
    );
  }
  return { mode: "time", cutoff, lines, bulkCommits: window.bulkCommits.length };
}
