/**
 * The records of one split: each file's spans drawn (examples.ts pickSpans), optionally cut to a budget,
 * then made file by file in order, or taken from the record cache when the file's entry is valid for this
 * index (record-cache.ts). With retrieval nothing is cached: a retrieval index's scores depend on every file.
 */
import type { RetrievalIndex, SymbolIndex } from "../../../../runtime/src/prompt/index.ts";
import type { Progress } from "../../cli/progress.ts";
import type { LineRange } from "../../mine/diff.ts";
import type { Span } from "../../parse/types.ts";
import { checkpoint } from "../../util/cancel.ts";
import { lineStarts, pickSpans, type SamplingOptions, sortSpans } from "../examples.ts";
import { IndexDigests, type RecordCache, type RecordRow, recordKey, trackIndex } from "../record-cache.ts";
import type { SnapshotFile } from "../snapshot.ts";
import { type FileWithStarts, makeRecord, type RecordContext, toRow } from "./make-record.ts";
import type { ParsedSnapshotFile } from "./parse-files.ts";

export interface SplitJob {
  split: "train" | "eval";
  commit: string;
  files: readonly SnapshotFile[];
  index: SymbolIndex;
  retrieval: RetrievalIndex | undefined;
  /** Evaluation: the lines spans must lie in, per path; null for training. */
  onlyLines: ((path: string) => LineRange[]) | null;
}

export interface RowsEnvironment {
  context: RecordContext;
  sampling: SamplingOptions;
  cache: RecordCache | null;
  baseKey: string;
  withParse: (file: SnapshotFile) => ParsedSnapshotFile;
  signal: AbortSignal | undefined;
  progress: Progress;
}

/** A file of a split and the spans drawn from it, in draw order (a prefix of them is a smaller sample). */
export interface FileDraw {
  file: FileWithStarts;
  onlyLines: LineRange[] | undefined;
  spans: Span[];
}

export function drawSpans(job: SplitJob, env: RowsEnvironment): FileDraw[] {
  return job.files.map((snapshotFile) => {
    const parsed = env.withParse(snapshotFile);
    const file = { ...parsed, starts: lineStarts(parsed.text) };
    const onlyLines = job.onlyLines?.(file.path);
    const spans = pickSpans(
      {
        key: `${file.path}\0${job.commit}`,
        text: file.text,
        starts: file.starts,
        spans: file.parsed.spans,
        ...(onlyLines ? { onlyLines } : {}),
      },
      { ...env.sampling, density: job.split === "eval" ? env.sampling.evalDensity : env.sampling.density },
    );
    return { file, onlyLines, spans };
  });
}

export async function buildRows(
  job: SplitJob,
  draws: readonly FileDraw[],
  env: RowsEnvironment,
): Promise<RecordRow[]> {
  const cache = job.retrieval ? null : env.cache;
  const digests = cache ? new IndexDigests(job.index) : null;
  const tracked = trackIndex(job.index);
  // Only what is cached needs its index reads tracked.
  const index = cache ? tracked.index : job.index;
  const rows: RecordRow[] = [];
  for (const { file, onlyLines, spans } of draws) {
    await checkpoint(env.signal);
    const key =
      cache &&
      recordKey([
        env.baseKey,
        job.split,
        job.commit,
        file.path,
        file.blob,
        file.language,
        onlyLines ?? null,
        spans.length,
      ]);
    const cached = key && digests ? cache.get(key, digests) : null;
    if (cached) {
      for (const row of cached) rows.push(row);
      env.progress.tick();
      continue;
    }
    tracked.reset();
    const fileRows = sortSpans(spans).map((span) =>
      toRow(makeRecord(env.context, file, job.commit, job.split, span, index, job.retrieval)),
    );
    for (const row of fileRows) rows.push(row);
    const reads = tracked.reads();
    if (key && digests && reads) await cache.put(key, reads, digests, fileRows);
    env.progress.tick();
  }
  return rows;
}
