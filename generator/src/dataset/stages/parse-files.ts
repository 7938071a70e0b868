/** Stage 4: every file of either split parsed once per (blob, language), through the parse cache. */
import { parseSource } from "../../parse/parse.ts";
import type { ParsedFile } from "../../parse/types.ts";
import { checkpoint } from "../../util/cancel.ts";
import type { SnapshotFile } from "../snapshot.ts";
import type { BuildContext } from "./context.ts";
import type { HeadSnapshot } from "./read-head.ts";
import type { SplitFiles } from "./split-files.ts";

export interface ParsedSnapshotFile extends SnapshotFile {
  parsed: ParsedFile;
}

export interface ParsedFiles {
  withParse: (file: SnapshotFile) => ParsedSnapshotFile;
  filesWithSyntaxErrors: number;
}

export async function parseFiles(
  context: BuildContext,
  head: HeadSnapshot,
  split: SplitFiles,
): Promise<ParsedFiles> {
  const cache = context.caches.parse;
  const fileKey = (file: SnapshotFile) => `${file.blob}:${file.language}`;
  // Every HEAD file feeds the evaluation symbol index, every cutoff file the training one.
  const unique = new Map<string, SnapshotFile>();
  for (const file of [...split.trainFiles, ...head.files]) unique.set(fileKey(file), file);
  context.progress.phase("parsing", unique.size);
  const parsedByKey = new Map<string, ParsedFile>();
  let filesWithSyntaxErrors = 0;
  for (const [key, file] of unique) {
    await checkpoint(context.signal);
    const parsed = await cache.get(file.blob, file.language, () => parseSource(file.text, file.language));
    if (parsed.errorCount > 0) filesWithSyntaxErrors += 1;
    parsedByKey.set(key, parsed);
    context.progress.tick();
  }
  await cache.save();
  return {
    withParse: (file) => ({ ...file, parsed: parsedByKey.get(fileKey(file))! }),
    filesWithSyntaxErrors,
  };
}
