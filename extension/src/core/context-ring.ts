/**
 * The context ring (after llama.vscode's extra context): chunks of recently edited, saved or viewed code are
 * queued as they are picked up; a timer moves them one at a time into a ring of bounded size, where a new chunk
 * evicts near-duplicates (Jaccard similarity of their line sets above a threshold) and, when full, the oldest.
 * At completion time the ring gives the snippets sent as `complete.params.context`, newest first.
 */
import type { ContextSnippet } from "../../../runtime/src/protocol/index.ts";

export interface Chunk {
  /** Repo-relative (or workspace-relative) path shown to the model. */
  path: string;
  /** Document identity, to tell chunks of the file being completed apart. */
  uri: string;
  startLine: number;
  text: string;
  /** Trimmed non-empty lines, for the similarity test. */
  lines: ReadonlySet<string>;
}

export interface RingOptions {
  /** Chunks kept in the ring. */
  capacity: number;
  /** Chunks waiting to enter the ring; the oldest waiting is dropped beyond this. */
  queueCapacity: number;
  /** Lines of a chunk picked around a position. */
  chunkLines: number;
  /** A new chunk evicts ring entries at least this similar to it. */
  evictSimilarity: number;
  /** Chunks with fewer non-empty lines than this are not worth the prompt room. */
  minLines: number;
}

export const DEFAULT_RING_OPTIONS: RingOptions = {
  capacity: 16,
  queueCapacity: 16,
  chunkLines: 32,
  evictSimilarity: 0.9,
  minLines: 3,
};

export function lineSet(text: string): Set<string> {
  const lines = new Set<string>();
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed) lines.add(trimmed);
  }
  return lines;
}

/** |A ∩ B| / |A ∪ B| of two line sets; two empty sets are identical. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const line of small) if (large.has(line)) common += 1;
  return common / (a.size + b.size - common);
}

export interface RingStats {
  ring: number;
  queued: number;
  evicted: number;
}

export class ContextRing {
  private readonly options: RingOptions;
  private ring: Chunk[] = [];
  private queue: Chunk[] = [];
  private evicted = 0;

  constructor(options: Partial<RingOptions> = {}) {
    this.options = { ...DEFAULT_RING_OPTIONS, ...options };
  }

  /** Cuts a chunk of `chunkLines` lines centred on `line` from a document's text and queues it. */
  pick(doc: { uri: string; path: string; text: string }, line: number): Chunk | null {
    const lines = doc.text.split("\n");
    const half = Math.floor(this.options.chunkLines / 2);
    const start = Math.max(0, Math.min(line - half, lines.length - this.options.chunkLines));
    const text = lines.slice(start, start + this.options.chunkLines).join("\n");
    const chunk: Chunk = { path: doc.path, uri: doc.uri, startLine: start, text, lines: lineSet(text) };
    if (chunk.lines.size < this.options.minLines) return null;
    // The same chunk waiting already (or one nearly like it): keep the newer text only.
    this.queue = this.queue.filter((q) => jaccard(q.lines, chunk.lines) < this.options.evictSimilarity);
    this.queue.push(chunk);
    if (this.queue.length > this.options.queueCapacity) this.queue.shift();
    return chunk;
  }

  /** Moves the oldest queued chunk into the ring; returns false when nothing was waiting. */
  tick(): boolean {
    const chunk = this.queue.shift();
    if (!chunk) return false;
    const before = this.ring.length;
    this.ring = this.ring.filter((r) => jaccard(r.lines, chunk.lines) < this.options.evictSimilarity);
    this.evicted += before - this.ring.length;
    this.ring.push(chunk);
    while (this.ring.length > this.options.capacity) {
      this.ring.shift();
      this.evicted += 1;
    }
    return true;
  }

  /** Moves everything queued into the ring at once (tests, and before a completion when the ring is empty). */
  flush(): void {
    while (this.tick()) {}
  }

  /**
   * Snippets for a completion, newest first. Chunks of the file being completed are left out when they overlap
   * the text the prompt already shows (`visible` = the prompt's prefix + suffix), judged by line overlap.
   */
  snippets(current: { uri: string; visible: string }, max = this.options.capacity): ContextSnippet[] {
    const visible = lineSet(current.visible);
    const out: ContextSnippet[] = [];
    for (let i = this.ring.length - 1; i >= 0 && out.length < max; i -= 1) {
      const chunk = this.ring[i]!;
      if (chunk.uri === current.uri && containedShare(chunk.lines, visible) > 0.5) continue;
      out.push({ path: chunk.path, text: chunk.text });
    }
    return out;
  }

  /** Drops every chunk of a document (closed, deleted or renamed). */
  forget(uri: string): void {
    this.ring = this.ring.filter((c) => c.uri !== uri);
    this.queue = this.queue.filter((c) => c.uri !== uri);
  }

  stats(): RingStats {
    return { ring: this.ring.length, queued: this.queue.length, evicted: this.evicted };
  }
}

/** Share of `chunk`'s lines that also appear in `visible`. */
function containedShare(chunk: ReadonlySet<string>, visible: ReadonlySet<string>): number {
  if (chunk.size === 0) return 1;
  let inside = 0;
  for (const line of chunk) if (visible.has(line)) inside += 1;
  return inside / chunk.size;
}
