/**
 * The records of one split: each file's spans drawn (examples.ts pickSpans), optionally cut to a budget,
 * then made file by file in order (with the count each file gave), or taken from the record cache when the file's entry is valid for this
 * index (record-cache.ts). With retrieval nothing is cached: a retrieval index's scores depend on every file.
 */
import type { RetrievalIndex, SymbolIndex } from "../../../../runtime/src/prompt/index.ts";
import type { LineRange } from "../../mine/diff.ts";
import type { Span } from "../../parse/types.ts";
import { checkpoint } from "../../util/cancel.ts";
import type { Progress } from "../../util/progress.ts";
import { lineStarts, pickSpans, type SamplingOptions, sortSpans } from "../examples.ts";
import { IndexDigests, type RecordCache, type RecordRow, recordKey, trackIndex } from "../record-cache.ts";
import type { SnapshotFile } from "../snapshot.ts";
import { makeRecord, type RecordContext, toRow } from "./make-record.ts";
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

/**
 * A file of a split and the spans drawn from it, in draw order, drawn when first asked for (a record cache
 * hit needs none). `limit`: the count a budget cut the draws to (their prefix), null when it did not.
 */
export interface FileDraw {
  file: SnapshotFile;
  onlyLines: LineRange[] | undefined;
  spans: () => Span[];
  limit: number | null;
}

export function drawSpans(job: SplitJob, env: RowsEnvironment): FileDraw[] {
  const sampling = {
    ...env.sampling,
    density: job.split === "eval" ? env.sampling.evalDensity : env.sampling.density,
  };
  return job.files.map((file) => {
    const onlyLines = job.onlyLines?.(file.path);
    let drawn: Span[] | undefined;
    const spans = () => {
      drawn ??= pickSpans(
        {
          key: `${file.path}\0${job.commit}`,
          text: file.text,
          spans: env.withParse(file).parsed.spans,
          ...(onlyLines ? { onlyLines } : {}),
        },
        sampling,
      );
      return drawn;
    };
    return { file, onlyLines, spans, limit: null };
  });
}

/** The spans a draw keeps: its first `limit` when a budget cut it. */
export function keptSpans(draw: FileDraw): Span[] {
  const spans = draw.spans();
  return draw.limit === null ? spans : spans.slice(0, draw.limit);
}

export async function buildRows(
  job: SplitJob,
  draws: readonly FileDraw[],
  env: RowsEnvironment,
): Promise<{ rows: RecordRow[]; perFile: number[] }> {
  const cache = job.retrieval ? null : env.cache;
  const digests = cache ? new IndexDigests(job.index) : null;
  const tracked = trackIndex(job.index);
  // Only what is cached needs its index reads tracked.
  const index = cache ? tracked.index : job.index;
  const rows: RecordRow[] = [];
  const perFile: number[] = [];
  for (const draw of draws) {
    await checkpoint(env.signal);
    const { file: snapshotFile, onlyLines, limit } = draw;
    const key =
      cache &&
      recordKey([
        env.baseKey,
        job.split,
        job.commit,
        snapshotFile.path,
        snapshotFile.blob,
        snapshotFile.language,
        onlyLines ?? null,
        limit,
      ]);
    const cached = key && digests ? cache.get(key, digests) : null;
    if (cached) {
      for (const row of cached) rows.push(row);
      perFile.push(cached.length);
      env.progress.tick();
      continue;
    }
    const parsed = env.withParse(snapshotFile);
    const file = { ...parsed, starts: lineStarts(parsed.text) };
    tracked.reset();
    const fileRows = sortSpans(keptSpans(draw)).map((span) =>
      toRow(makeRecord(env.context, file, job.commit, job.split, span, index, job.retrieval)),
    );
    for (const row of fileRows) rows.push(row);
    perFile.push(fileRows.length);
    const reads = tracked.reads();
    if (key && digests && reads) await cache.put(key, reads, digests, fileRows);
    env.progress.tick();
  }
  return { rows, perFile };
}
