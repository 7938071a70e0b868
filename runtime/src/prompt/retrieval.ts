/**
 * Retrieval context: repository files cut into overlapping line windows, ranked by BM25 over the identifiers
 * near the cursor (the "sparse retrieval" of RepoCoder / CrossCodeEval, with identifiers as the vocabulary).
 * It finds code that *looks like* what is being written — sibling functions, similar call sites, the test
 * next to the code — where `selectContext` only finds definitions of names already used.
 *
 * Pure data in, data out: the caller supplies the files (the cutoff snapshot for training examples, HEAD for
 * evaluation and serving), so training and serving retrieve alike. Imports nothing else of the project.
 */
import type { ChosenContext } from "./context.ts";

/** What a retrieved snippet looks like in a prompt; same shape as the definitions selectContext chooses. */
export interface RetrievedContext extends Omit<ChosenContext, "reason"> {
  reason: "retrieval";
}

export interface RetrievalOptions {
  /** Lines per window and lines between window starts (windows overlap when stride < windowLines). */
  windowLines: number;
  stride: number;
  /** A window longer than this (minified-looking code) is cut at a line boundary. */
  maxChunkChars: number;
  /** Lines of prefix (back from the cursor) and of suffix whose identifiers make the query. */
  queryPrefixLines: number;
  querySuffixLines: number;
  /** Windows of the current file within this many lines of the cursor (or of the excluded lines) are skipped. */
  excludeAroundLines: number;
  /** Windows returned at most; overlapping windows of one file count once. */
  topK: number;
  /** BM25 parameters (Robertson / Lucene defaults). */
  k1: number;
  b: number;
  /** Windows scoring at or below this are never returned (0: at least one identifier in common). */
  minScore: number;
}

export const DEFAULT_RETRIEVAL_OPTIONS: RetrievalOptions = {
  windowLines: 20,
  stride: 10,
  maxChunkChars: 1500,
  queryPrefixLines: 20,
  querySuffixLines: 5,
  excludeAroundLines: 40,
  topK: 2,
  k1: 1.2,
  b: 0.75,
  minScore: 0,
};

/**
 * Windows sized to the prompt budget: a retrieved window must fit in half the context share on its own
 * (estimated at 3.5 characters a token, as `estimateTokens` does), or buildPrompt drops it. 20-line windows
 * (RepoCoder's) from a budget of ~2,000 tokens; at the default 1,024, 13 lines; never below 4 lines.
 */
export function retrievalOptionsForBudget(
  budget: { maxTokens: number; contextShare: number },
  base: RetrievalOptions = DEFAULT_RETRIEVAL_OPTIONS,
): RetrievalOptions {
  const maxChunkChars = Math.max(80, Math.floor((budget.maxTokens * budget.contextShare * 3.5) / 2));
  const windowLines = Math.max(4, Math.min(base.windowLines, Math.round(maxChunkChars / 40)));
  return { ...base, maxChunkChars, windowLines, stride: Math.ceil(windowLines / 2) };
}

export interface RetrievalChunk {
  path: string;
  /** 0-based first line and exclusive end line of the window. */
  startLine: number;
  endLine: number;
  text: string;
  /** Identifier tokens of the window and how often each occurs. */
  termCounts: ReadonlyMap<string, number>;
  length: number;
}

export interface RetrievalIndex {
  chunks: readonly RetrievalChunk[];
  /** term → indexes of the chunks holding it. */
  postings: ReadonlyMap<string, readonly number[]>;
  averageLength: number;
  options: RetrievalOptions;
}

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;
const MIN_TERM_LENGTH = 3;

/** Identifier tokens of `text`, in order, repeats kept (the same tokens `identifiersNear` looks at). */
export function identifierTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.matchAll(IDENTIFIER)) if (match[0].length >= MIN_TERM_LENGTH) terms.push(match[0]);
  return terms;
}

function countTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}

/** Cuts one file into windows of `windowLines` lines every `stride` lines; the last window reaches the end. */
export function chunkFile(
  path: string,
  text: string,
  options: RetrievalOptions = DEFAULT_RETRIEVAL_OPTIONS,
): RetrievalChunk[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const chunks: RetrievalChunk[] = [];
  for (let start = 0; start < lines.length; start += options.stride) {
    const end = Math.min(lines.length, start + options.windowLines);
    let body = lines.slice(start, end).join("\n");
    if (body.length > options.maxChunkChars) {
      const cut = body.lastIndexOf("\n", options.maxChunkChars);
      body = body.slice(0, cut > 0 ? cut : options.maxChunkChars);
    }
    const terms = identifierTerms(body);
    if (terms.length > 0) {
      chunks.push({
        path,
        startLine: start,
        endLine: end,
        text: body,
        termCounts: countTerms(terms),
        length: terms.length,
      });
    }
    if (end >= lines.length) break;
  }
  return chunks;
}

export function buildRetrievalIndex(
  files: Iterable<{ path: string; text: string }>,
  options: RetrievalOptions = DEFAULT_RETRIEVAL_OPTIONS,
): RetrievalIndex {
  const chunks: RetrievalChunk[] = [];
  for (const file of files) chunks.push(...chunkFile(file.path, file.text, options));
  return indexChunks(chunks, options);
}

/**
 * The index over windows already cut by `chunkFile` with the same options (in the order given), so a caller
 * that keeps each file's windows (the extension's workspace index, updated file by file) re-indexes without
 * re-cutting every file. `buildRetrievalIndex(files)` = `indexChunks(files.flatMap(chunkFile))`.
 */
export function indexChunks(
  chunks: readonly RetrievalChunk[],
  options: RetrievalOptions = DEFAULT_RETRIEVAL_OPTIONS,
): RetrievalIndex {
  const postings = new Map<string, number[]>();
  chunks.forEach((chunk, i) => {
    for (const term of chunk.termCounts.keys()) {
      const list = postings.get(term);
      if (list) list.push(i);
      else postings.set(term, [i]);
    }
  });
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  return { chunks, postings, averageLength: chunks.length > 0 ? total / chunks.length : 0, options };
}

/** BM25's inverse document frequency, in the non-negative form Lucene uses: ln(1 + (N − n + ½) / (n + ½)). */
export function inverseDocumentFrequency(documents: number, containing: number): number {
  return Math.log(1 + (documents - containing + 0.5) / (containing + 0.5));
}

/**
 * BM25 score of every chunk holding at least one query term (each distinct query term counts once):
 * Σ idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·len/avgLen)). Returns chunk index → score.
 */
export function bm25Scores(index: RetrievalIndex, queryTerms: Iterable<string>): Map<number, number> {
  const { k1, b } = index.options;
  const scores = new Map<number, number>();
  const n = index.chunks.length;
  for (const term of new Set(queryTerms)) {
    const holders = index.postings.get(term);
    if (!holders) continue;
    const idf = inverseDocumentFrequency(n, holders.length);
    for (const i of holders) {
      const chunk = index.chunks[i]!;
      const tf = chunk.termCounts.get(term)!;
      const norm = tf + k1 * (1 - b + (b * chunk.length) / index.averageLength);
      scores.set(i, (scores.get(i) ?? 0) + (idf * tf * (k1 + 1)) / norm);
    }
  }
  return scores;
}

/** The query: identifiers of the last lines of the prefix and the first lines of the suffix. */
export function retrievalQuery(prefix: string, suffix: string, options: RetrievalOptions): string[] {
  const before = prefix.split("\n").slice(-options.queryPrefixLines).join("\n");
  const after = suffix.split("\n").slice(0, options.querySuffixLines).join("\n");
  return identifierTerms(`${before}\n${after}`);
}

export interface RetrievalRequest {
  /** The file being completed: its windows near the cursor are what the prompt already shows. */
  path: string;
  prefix: string;
  suffix: string;
  /**
   * Lines of the current file never to retrieve from (0-based, end exclusive), widened by excludeAroundLines.
   * Default: the cursor's line. The dataset passes the middle's lines, so the answer never leaks into context.
   */
  excludeLines?: { start: number; end: number };
}

/**
 * Top-k windows by BM25, best first, skipping the current file's windows around the cursor and windows that
 * overlap one already chosen. Each window is its own entry (sized to fit the context share alone), so a budget
 * that cannot hold two keeps the better one.
 */
export function retrieveContext(index: RetrievalIndex, request: RetrievalRequest): RetrievedContext[] {
  const options = index.options;
  if (index.chunks.length === 0 || options.topK <= 0) return [];
  const cursorLine = request.prefix.split("\n").length - 1;
  const excluded = request.excludeLines ?? { start: cursorLine, end: cursorLine + 1 };
  const lowLine = excluded.start - options.excludeAroundLines;
  const highLine = excluded.end + options.excludeAroundLines;
  const scores = bm25Scores(index, retrievalQuery(request.prefix, request.suffix, options));
  const ranked = [...scores]
    .filter(([, s]) => s > options.minScore)
    .sort((x, y) => y[1] - x[1] || x[0] - y[0]); // ties: earlier chunk first, so results are stable
  const chosen: RetrievalChunk[] = [];
  for (const [i] of ranked) {
    if (chosen.length >= options.topK) break;
    const chunk = index.chunks[i]!;
    if (chunk.path === request.path && chunk.startLine < highLine && chunk.endLine > lowLine) continue;
    const overlaps = chosen.some(
      (c) => c.path === chunk.path && c.startLine < chunk.endLine && chunk.startLine < c.endLine,
    );
    if (!overlaps) chosen.push(chunk);
  }
  // One entry per window, best first. Merging two windows of one file (as a first version did) could make an
  // entry larger than the context share, and buildPrompt then dropped it whole: each window fits on its own.
  return chosen.map((chunk) => ({ path: chunk.path, text: chunk.text, reason: "retrieval" as const }));
}
