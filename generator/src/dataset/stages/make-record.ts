/** One FIM record: the span's middle, its context (definitions, optional retrieval) and the rendered prompt. */

import { DATASET_SCHEMA_VERSION, type DatasetRecord } from "../../../../runtime/src/contracts/dataset.ts";
import {
  buildPrompt,
  type ChosenContext,
  getTemplate,
  type PromptBudget,
  type RetrievalIndex,
  type RetrievedContext,
  retrieveContext,
  type SymbolIndex,
  selectContext,
  type TemplateId,
  type TokenCounter,
} from "../../../../runtime/src/prompt/index.ts";
import { lineOf } from "../examples.ts";
import { stableId } from "../random.ts";
import type { RecordRow } from "../record-cache.ts";
import type { ParsedSnapshotFile } from "./parse-files.ts";

export interface RecordContext {
  repo: string;
  repoName: string;
  template: TemplateId;
  budget: PromptBudget;
  countTokens: TokenCounter;
}

export type FileWithStarts = ParsedSnapshotFile & { starts: readonly number[] };

export interface RecordSpan {
  kind: DatasetRecord["span"]["kind"];
  start: number;
  end: number;
}

export function makeRecord(
  context: RecordContext,
  file: FileWithStarts,
  commit: string,
  split: "train" | "eval",
  span: RecordSpan,
  index: SymbolIndex,
  retrieval?: RetrievalIndex,
): DatasetRecord {
  const prefix = file.text.slice(0, span.start);
  const middle = file.text.slice(span.start, span.end);
  const suffix = file.text.slice(span.end);
  const template = getTemplate(context.template);
  const chosen: Array<ChosenContext | RetrievedContext> = selectContext(file.path, prefix, suffix, index);
  if (retrieval) {
    // The middle's own lines (and those around them) are never retrieved: the answer must not leak.
    const excludeLines = { start: lineOf(file.starts, span.start), end: lineOf(file.starts, span.end) + 1 };
    chosen.push(...retrieveContext(retrieval, { path: file.path, prefix, suffix, excludeLines }));
  }
  const prompt = buildPrompt({
    template,
    repoName: context.repoName,
    path: file.path,
    prefix,
    suffix,
    context: chosen,
    budget: context.budget,
    countTokens: context.countTokens,
  });
  const kept = new Set(prompt.context); // by identity: a path may come both as definitions and as retrieval
  const startByte = Buffer.byteLength(prefix, "utf8");
  return {
    schema: DATASET_SCHEMA_VERSION,
    id: stableId(file.path, commit, span.kind, span.start, span.end),
    repo: context.repo,
    path: file.path,
    language: file.language,
    commit,
    split,
    prefix: prompt.prefix,
    middle,
    suffix: prompt.suffix,
    context: chosen.filter((c) => kept.has(c)),
    span: {
      kind: span.kind,
      startByte,
      endByte: startByte + Buffer.byteLength(middle, "utf8"),
      startLine: lineOf(file.starts, span.start),
    },
    prompt: {
      template: template.id,
      text: prompt.text,
      completionEnd: template.completionEnd,
      tokens: prompt.tokens,
    },
  };
}

export function toRow(record: DatasetRecord): RecordRow {
  return {
    json: JSON.stringify(record),
    language: record.language,
    kind: record.span.kind,
    tokens: record.prompt.tokens,
    middle: record.middle,
  };
}
