/** Stage 6: train.jsonl, eval.jsonl and dataset.json written to a staged folder renamed into place. */
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import type { DatasetManifest } from "../../../../runtime/src/contracts/dataset.ts";
import { stageDir } from "../../util/atomic.ts";
import { throwIfCancelled } from "../../util/cancel.ts";
import type { RecordRow } from "../record-cache.ts";

export async function writeDataset(
  out: string,
  train: readonly RecordRow[],
  evaluation: readonly RecordRow[],
  manifest: DatasetManifest,
  signal: AbortSignal | undefined,
): Promise<void> {
  throwIfCancelled(signal);
  const staged = await stageDir(out);
  try {
    await writeJsonl(join(staged.path, "train.jsonl"), train);
    await writeJsonl(join(staged.path, "eval.jsonl"), evaluation);
    await writeFile(join(staged.path, "dataset.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    throwIfCancelled(signal);
    await staged.commit();
  } finally {
    await staged.discard();
  }
}

/** Writes the rows' JSON lines in chunks of about a megabyte. */
async function writeJsonl(path: string, rows: readonly RecordRow[]): Promise<void> {
  const stream = createWriteStream(path);
  let chunk: string[] = [];
  let size = 0;
  const write = async () => {
    if (!stream.write(chunk.join(""))) await new Promise<void>((r) => stream.once("drain", () => r()));
    chunk = [];
    size = 0;
  };
  for (const row of rows) {
    chunk.push(row.json, "\n");
    size += row.json.length + 1;
    if (size >= 1 << 20) await write();
  }
  if (size > 0) await write();
  stream.end();
  await finished(stream);
}
