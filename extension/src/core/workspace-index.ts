/**
 * Retrieval at serving time: the workspace's files cut into windows and indexed with the shared prompt layer's
 * BM25 (runtime/src/prompt/retrieval.ts), exactly as the dataset builder does, so a completion's retrieved
 * snippets are chosen as the training examples' were (same windows for the same prompt budget, same query,
 * same exclusions around the cursor, same top-k and merging).
 *
 * Nothing here runs on the keystroke path except `retrieve` (a lookup in the last built index, cost growing
 * with the postings of the query's terms). Loading reads files in the background, yielding to the event loop;
 * edits and saves re-cut only the changed file, and the postings are rebuilt from the kept windows after a
 * pause. Bounded in files, bytes per file and bytes in all.
 */
import {
  type ContextFile,
  chunkFile,
  DEFAULT_BUDGET,
  indexChunks,
  type RetrievalChunk,
  type RetrievalIndex,
  type RetrievalOptions,
  type RetrievedContext,
  retrievalOptionsForBudget,
  retrieveContext,
} from "../../../runtime/src/prompt/index.ts";
import { lineSet } from "./context-ring.ts";
import { type Logger, silentLogger } from "./log.ts";
import {
  isGitIgnored,
  listWorkspaceFiles,
  pathSkipReason,
  readCandidate,
  textSkipReason,
} from "./workspace-files.ts";

export interface IndexLimits {
  /** Files indexed at most (the first in path order win). */
  maxFiles: number;
  /** Bytes of one file; larger files are skipped (the generator's default is 1 MiB). */
  maxFileBytes: number;
  /** Bytes of all indexed files together; files beyond it are skipped. */
  maxTotalBytes: number;
}

export const DEFAULT_INDEX_LIMITS: IndexLimits = {
  maxFiles: 5000,
  maxFileBytes: 1024 * 1024,
  maxTotalBytes: 8 * 1024 * 1024,
};

/** Retrieval options for the runtime's prompt budget: what the dataset uses for the same budget. */
export function retrievalOptionsForPromptTokens(maxPromptTokens: number): RetrievalOptions {
  return retrievalOptionsForBudget({ maxTokens: maxPromptTokens, contextShare: DEFAULT_BUDGET.contextShare });
}

interface IndexedFile {
  bytes: number;
  chunks: RetrievalChunk[];
}

export interface IndexStats {
  files: number;
  bytes: number;
  chunks: number;
  /** Files refused by the limits since the index was made. */
  refused: number;
  /** True once the first full build finished. */
  ready: boolean;
  dirty: boolean;
}

/** One workspace folder's index. Paths are folder-relative POSIX, as the completion request's `path`. */
export class WorkspaceIndex {
  private readonly files = new Map<string, IndexedFile>();
  private totalBytes = 0;
  private refused = 0;
  private built: RetrievalIndex | null = null;
  private dirty = false;
  private ready = false;

  constructor(
    private options: RetrievalOptions,
    readonly limits: IndexLimits = DEFAULT_INDEX_LIMITS,
  ) {}

  get retrievalOptions(): RetrievalOptions {
    return this.options;
  }

  /**
   * Adds or replaces a file's windows (re-cut from `text`); the postings follow at the next `rebuild`.
   * Returns false (and drops any older version) when the path's rules or the limits refuse it.
   */
  setFile(path: string, text: string): boolean {
    const bytes = Buffer.byteLength(text, "utf8");
    const old = this.files.get(path);
    const others = this.totalBytes - (old?.bytes ?? 0);
    const refuse =
      pathSkipReason(path) !== null ||
      bytes > this.limits.maxFileBytes ||
      others + bytes > this.limits.maxTotalBytes ||
      (!old && this.files.size >= this.limits.maxFiles);
    if (refuse) {
      if (old) this.removeFile(path);
      this.refused += 1;
      return false;
    }
    this.files.set(path, { bytes, chunks: chunkFile(path, text, this.options) });
    this.totalBytes = others + bytes;
    this.dirty = true;
    return true;
  }

  removeFile(path: string): void {
    const old = this.files.get(path);
    if (!old) return;
    this.files.delete(path);
    this.totalBytes -= old.bytes;
    this.dirty = true;
  }

  /** Removes every file under a folder (a deleted or renamed directory); returns how many. */
  removeFolder(folder: string): number {
    const prefix = folder.endsWith("/") ? folder : `${folder}/`;
    let removed = 0;
    for (const path of [...this.files.keys()]) {
      if (!path.startsWith(prefix)) continue;
      this.removeFile(path);
      removed += 1;
    }
    return removed;
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** Re-indexes the kept windows (files in path order, as a full build would); cheap when nothing changed. */
  rebuild(): RetrievalIndex {
    if (this.built && !this.dirty) return this.built;
    const chunks: RetrievalChunk[] = [];
    for (const path of [...this.files.keys()].sort()) chunks.push(...this.files.get(path)!.chunks);
    this.built = indexChunks(chunks, this.options);
    this.dirty = false;
    this.ready = true;
    return this.built;
  }

  /**
   * The retrieved windows for a completion, from the last built index (never builds: a stale index is better
   * than a slow keystroke). `line` is the cursor's 0-based line in the document; the windows of this file
   * within `excludeAroundLines` of it are never returned.
   */
  retrieve(request: { path: string; prefix: string; suffix: string; line: number }): RetrievedContext[] {
    if (!this.built) return [];
    return retrieveContext(this.built, {
      path: request.path,
      prefix: request.prefix,
      suffix: request.suffix,
      excludeLines: { start: request.line, end: request.line + 1 },
    });
  }

  stats(): IndexStats {
    return {
      files: this.files.size,
      bytes: this.totalBytes,
      chunks: this.built?.chunks.length ?? 0,
      refused: this.refused,
      ready: this.ready,
      dirty: this.dirty,
    };
  }
}

export interface LoadResult {
  source: "git" | "walk";
  listed: number;
  indexed: number;
  skipped: Record<string, number>;
  ms: number;
}

/**
 * Fills an index from the folder's files (see workspace-files.ts for which), yielding to the event loop every
 * few files so the editor stays responsive, then builds it. Stops early when `signal` aborts.
 */
export async function loadWorkspace(
  root: string,
  index: WorkspaceIndex,
  options: { signal?: AbortSignal; yieldEvery?: number } = {},
): Promise<LoadResult> {
  const started = performance.now();
  const listing = await listWorkspaceFiles(root);
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };
  let indexed = 0;
  let bytes = 0;
  const yieldEvery = options.yieldEvery ?? 16;
  for (const [i, path] of listing.paths.entries()) {
    if (options.signal?.aborted) break;
    if (indexed >= index.limits.maxFiles) {
      skip("over-file-limit");
      continue;
    }
    const read = await readCandidate(root, path, index.limits.maxFileBytes);
    if ("skip" in read) {
      skip(read.skip);
    } else if (bytes + Buffer.byteLength(read.text, "utf8") > index.limits.maxTotalBytes) {
      skip("over-byte-limit");
    } else if (index.setFile(path, read.text)) {
      indexed += 1;
      bytes += Buffer.byteLength(read.text, "utf8");
    } else {
      skip("refused");
    }
    if (i % yieldEvery === yieldEvery - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  index.rebuild();
  return {
    source: listing.source,
    listed: listing.paths.length,
    indexed,
    skipped,
    ms: Math.round(performance.now() - started),
  };
}

/** What the pipeline asks for: the retrieval entries of one completion, or none. */
export type Retrieve = (request: {
  workspace: string;
  path: string;
  prefix: string;
  suffix: string;
  line: number;
}) => RetrievedContext[];

export interface RetrieverDeps {
  /** The folder root behind a workspace key, or null (untitled, outside any folder). */
  rootOf: (workspace: string) => string | null;
  enabled: () => boolean;
  maxPromptTokens: () => number;
  log?: Logger;
  limits?: IndexLimits;
  /** Pause after the last change before the postings are rebuilt. */
  rebuildDelayMs?: number;
}

interface FolderState {
  root: string;
  index: WorkspaceIndex;
  source: "git" | "walk" | null;
  loading: Promise<void> | null;
  abort: AbortController;
  timer: ReturnType<typeof setTimeout> | null;
  /** Disk events are handled one at a time (a checkout or an install must not spawn git per file at once). */
  queue: Promise<void>;
}

/**
 * The per-folder indexes: created on the first completion request of a folder with retrieval on (that request
 * gets no retrieval; the load runs in the background), kept current by `changed`, `changedOnDisk`, `deleted`.
 */
export class WorkspaceRetriever {
  private readonly folders = new Map<string, FolderState>();
  private readonly log: Logger;

  constructor(private readonly deps: RetrieverDeps) {
    this.log = deps.log ?? silentLogger;
  }

  /** For the pipeline: never waits, never builds; [] while the folder's index is loading. */
  readonly retrieve: Retrieve = (request) => {
    if (!this.deps.enabled()) return [];
    const wanted = retrievalOptionsForPromptTokens(this.deps.maxPromptTokens());
    const existing = this.folders.get(request.workspace);
    if (existing && !sameOptions(existing.index.retrievalOptions, wanted)) {
      // A new prompt budget means new window sizes: the folder is indexed again from scratch.
      this.log.log("info", "retrieval.reindex", { root: existing.root, windowLines: wanted.windowLines });
      this.drop(request.workspace);
    }
    const state = this.ensure(request.workspace);
    return state ? state.index.retrieve(request) : [];
  };

  /** Starts loading the folder's index unless it is loaded or loading. */
  ensure(workspace: string): FolderState | null {
    const existing = this.folders.get(workspace);
    if (existing) return existing;
    if (!this.deps.enabled()) return null;
    const root = this.deps.rootOf(workspace);
    if (!root) return null;
    const state: FolderState = {
      root,
      index: new WorkspaceIndex(
        retrievalOptionsForPromptTokens(this.deps.maxPromptTokens()),
        this.deps.limits ?? DEFAULT_INDEX_LIMITS,
      ),
      source: null,
      loading: null,
      abort: new AbortController(),
      timer: null,
      queue: Promise.resolve(),
    };
    this.folders.set(workspace, state);
    state.loading = loadWorkspace(root, state.index, { signal: state.abort.signal })
      .then((result) => {
        state.source = result.source;
        this.log.log("info", "retrieval.index", { workspace, root, ...result, ...state.index.stats() });
      })
      .catch((error) => this.log.log("warn", "retrieval.index.error", { workspace, error }))
      .finally(() => {
        state.loading = null;
      });
    return state;
  }

  /** Resolves when the folder's load finished (tests). */
  async whenLoaded(workspace: string): Promise<void> {
    await this.folders.get(workspace)?.loading;
  }

  /**
   * An indexed file's new text from the editor (an edit, a save): re-cut now, re-indexed after a pause. Files
   * the load did not index (ignored, over the limits, outside the listing) stay out.
   */
  changed(workspace: string, path: string, text: string): void {
    const state = this.folders.get(workspace);
    if (!state?.index.has(path)) return;
    if (textSkipReason(path, text)) state.index.removeFile(path);
    else state.index.setFile(path, text);
    this.schedule(state);
  }

  /**
   * A file created or changed on disk (outside the editor, or a checkout): read with the load's rules. A new
   * file joins the index unless git ignores it.
   */
  changedOnDisk(workspace: string, path: string, created: boolean): Promise<void> {
    const state = this.folders.get(workspace);
    // The path rules first: they are free, and they drop most of what an install or a build writes.
    if (!state || (!created && !state.index.has(path)) || pathSkipReason(path) !== null)
      return Promise.resolve();
    const next = state.queue.then(async () => {
      if (this.folders.get(workspace) !== state) return;
      if (created && state.source === "git" && (await isGitIgnored(state.root, path))) return;
      const read = await readCandidate(state.root, path, state.index.limits.maxFileBytes);
      if ("text" in read) state.index.setFile(path, read.text);
      else state.index.removeFile(path);
      this.schedule(state);
    });
    state.queue = next.catch(() => {});
    return next;
  }

  /** A file, or a whole folder, deleted (or renamed away) on disk. */
  deleted(workspace: string, path: string): void {
    const state = this.folders.get(workspace);
    if (!state) return;
    if (state.index.has(path)) state.index.removeFile(path);
    else if (state.index.removeFolder(path) === 0) return;
    this.schedule(state);
  }

  /** Rebuilds every changed index now (tests; a timer does it otherwise). */
  flush(): void {
    for (const state of this.folders.values()) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
      state.index.rebuild();
    }
  }

  /** Forgets a folder (removed from the workspace, or retrieval turned off). */
  drop(workspace: string): void {
    const state = this.folders.get(workspace);
    if (!state) return;
    state.abort.abort();
    if (state.timer) clearTimeout(state.timer);
    this.folders.delete(workspace);
  }

  dispose(): void {
    for (const workspace of [...this.folders.keys()]) this.drop(workspace);
  }

  stats(workspace: string): IndexStats | null {
    return this.folders.get(workspace)?.index.stats() ?? null;
  }

  private schedule(state: FolderState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = null;
      const started = performance.now();
      state.index.rebuild();
      this.log.log("debug", "retrieval.rebuild", {
        root: state.root,
        ms: Math.round(performance.now() - started),
        ...state.index.stats(),
      });
    }, this.deps.rebuildDelayMs ?? 1000);
    state.timer.unref?.();
  }
}

function sameOptions(a: RetrievalOptions, b: RetrievalOptions): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Drops retrieved entries whose lines the other context already shows (a ring chunk of the same code):
 * more than `share` of the entry's non-blank lines found in the other snippets.
 */
export function withoutShown(
  retrieved: readonly RetrievedContext[],
  shown: readonly ContextFile[],
  share = 0.9,
): RetrievedContext[] {
  if (shown.length === 0) return [...retrieved];
  const visible = lineSet(shown.map((s) => s.text).join("\n"));
  return retrieved.filter((entry) => {
    const lines = lineSet(entry.text);
    let inside = 0;
    for (const line of lines) if (visible.has(line)) inside += 1;
    return lines.size === 0 || inside / lines.size <= share;
  });
}
