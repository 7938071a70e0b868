/** Stage 1: the files kept at HEAD, read and scrubbed (snapshot.ts), with the options to read others alike. */
import { listTree } from "../../mine/tree.ts";
import { throwIfCancelled } from "../../util/cancel.ts";
import { RepoLoraError } from "../../util/errors.ts";
import {
  makeSnapshotOptions,
  readSnapshot,
  type SnapshotFile,
  type SnapshotOptions,
  type SnapshotStats,
} from "../snapshot.ts";
import type { BuildContext } from "./context.ts";

export interface HeadSnapshot {
  files: SnapshotFile[];
  totalLines: number;
  /** How HEAD's files were filtered and scrubbed; the cutoff's files are read with the same. */
  snapshotOptions: SnapshotOptions;
  /** Skipped files by reason and secrets scrubbed, for the manifest. */
  stats: SnapshotStats;
}

export async function readHead(context: BuildContext): Promise<HeadSnapshot> {
  const { info, options, reader, store, progress } = context;
  const entries = await listTree(info.root, info.head, info.subdir, store);
  const repoloraIgnore = entries.find((e) => e.path === ".repoloraignore");
  const snapshotOptions: SnapshotOptions = {
    ...makeSnapshotOptions(
      repoloraIgnore ? (await reader.read(repoloraIgnore.blob)).toString("utf8") : undefined,
      options.maxFileBytes ?? 1024 * 1024,
      options.languages ?? null,
    ),
    scrubCache: context.caches.scrub,
    store,
  };
  const stats: SnapshotStats = { skipped: {}, scrubbed: {} };
  progress.phase("reading files", entries.length);
  const files = await readSnapshot(entries, reader, snapshotOptions, stats, () => progress.tick());
  throwIfCancelled(context.signal);
  if (files.length === 0) {
    throw new RepoLoraError(
      "NO_SUPPORTED_FILES",
      `No source files to learn from in ${info.root}${info.subdir ? `/${info.subdir}` : ""} (skipped: ${describe(stats.skipped)}).`,
      options.languages
        ? "Check --languages, or run without it."
        : "Is this the right folder? Binary, generated, vendored and lock files are skipped.",
    );
  }
  const totalLines = files.reduce((sum, f) => sum + f.lines, 0);
  return { files, totalLines, snapshotOptions, stats };
}

function describe(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([reason, n]) => `${n} ${reason}`);
  return parts.length > 0 ? parts.join(", ") : "no files";
}
