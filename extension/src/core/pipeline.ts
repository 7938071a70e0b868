/**
 * The completion pipeline, editor-independent (Continue's shape: stages with injected dependencies, no
 * `vscode` import): prefilter → multi-line decision → cache (with walk-back) → debounce → context → model →
 * postprocess → cache. The editor glue turns a document and a position into a CompletionInput and the
 * pipeline's answer into ghost text.
 */
import { DEFAULT_BUDGET, shownCompletion } from "../../../runtime/src/prompt/index.ts";
import type { ContextSnippet, Methods } from "../../../runtime/src/protocol/index.ts";
import type { CacheHit, CacheKeyParts, CompletionCache } from "./completion-cache.ts";
import type { ContextRing } from "./context-ring.ts";
import type { Debouncer } from "./debounce.ts";
import type { Logger } from "./log.ts";
import { shouldBeMultiline } from "./multiline.ts";
import { type PrefilterSettings, unshowableReason } from "./prefilter.ts";
import { type Retrieve, withoutShown } from "./workspace-index.ts";

export type CompleteParams = Methods["complete"]["params"];
export type CompleteResult = Methods["complete"]["result"];

/** Asks the model; must reject (or resolve with stopReason "cancelled") once `signal` aborts. */
export type ModelCall = (params: CompleteParams, signal: AbortSignal) => Promise<CompleteResult>;

/** What the editor knows at the cursor: the protocol's request minus what the pipeline adds (context, limits). */
export type CompletionInput = Pick<
  CompleteParams,
  "workspace" | "documentUri" | "path" | "languageId" | "repoName" | "prefix" | "suffix"
> & {
  /** The cursor's 0-based line in the document (the prefix may be cut); default: counted in `prefix`. */
  line?: number;
  /** Asked for by the user (the manual trigger): the prefilter does not apply. */
  explicit?: boolean;
};

export interface PipelineSettings extends PrefilterSettings {
  debounceMs: number;
  maxTokens: number;
  /** Context snippets sent at most. */
  contextSize: number;
  /** Characters of prefix / suffix sent (the runtime cuts to its token budget; this bounds the message). */
  maxPrefixChars: number;
  maxSuffixChars: number;
  /** Add the workspace index's BM25 windows (reason "retrieval") after the ring's snippets. */
  retrieval: boolean;
  /** Share of the runtime's prompt budget the suffix may take (`complete.suffixShare`). */
  suffixShare: number;
  /** The runtime's time cap per request (`complete.timeoutMs`); 0 = none. */
  timeoutMs: number;
  /**
   * Prefill the prompt where the cursor came to rest after this many ms without typing (`warm`), so the first
   * keystroke there feeds a few tokens instead of the whole prompt; 0 = off.
   */
  warmUpMs: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  debounceMs: 150,
  maxTokens: 128,
  contextSize: 8,
  maxPrefixChars: 12_000,
  maxSuffixChars: 4_000,
  retrieval: false,
  skipUnshowable: true,
  maxLineSuffixChars: 8,
  suffixShare: DEFAULT_BUDGET.suffixShare,
  timeoutMs: 1000,
  warmUpMs: 500,
};

export interface PipelineDeps {
  model: ModelCall;
  cache: CompletionCache;
  ring: ContextRing;
  debouncer: Debouncer;
  settings: () => PipelineSettings;
  /** What else decides the answer for a workspace (model and adapters): part of the cache key. */
  scope: (workspace: string) => string;
  log: Logger;
  now?: () => number;
  /** Retrieval over the workspace's files (core/workspace-index.ts); used when settings().retrieval. */
  retrieve?: Retrieve;
}

export interface Completion {
  text: string;
  source: "cache" | "model";
  multiline: boolean;
  /** Request to answer, debounce included. */
  latencyMs: number;
  /** Paths of the context snippets sent (model answers only). */
  contextPaths: string[];
  /** Paths of the retrieved snippets among them. */
  retrievalPaths?: string[];
  result?: CompleteResult;
}

export type SkipReason = "mid-line" | "mid-word" | "cancelled" | "empty" | "error";

export class CompletionPipeline {
  private inflight: AbortController | null = null;
  private warming: AbortController | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: PipelineDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  /** The ghost text for the input, or null. A newer call cancels an older one still waiting or running. */
  async complete(input: CompletionInput, signal: AbortSignal): Promise<Completion | null> {
    const started = this.now();
    const settings = this.deps.settings();
    this.inflight?.abort();
    // A warm-up still queued would only delay this request (one running finishes its prefill either way).
    this.warming?.abort();
    const { own, unlink } = following(signal);
    this.inflight = own;
    try {
      const unshowable = input.explicit ? null : unshowableReason(input.prefix, input.suffix, settings);
      if (unshowable) return this.skip(unshowable, input);
      const { prefix, suffix, multiline } = sentWindow(input, settings);
      const key = {
        scope: this.deps.scope(input.workspace),
        variant: multiline ? "multi" : "single",
        prefix,
        suffix,
      };

      const hit = this.fromCache(key, multiline);
      if (hit) {
        const latencyMs = this.now() - started;
        this.deps.log.log("debug", "complete.cache", {
          path: input.path,
          walkedBack: hit.walkedBack,
          ...(hit.walkedForward ? { walkedForward: hit.walkedForward } : {}),
          latencyMs,
        });
        return { text: hit.text, source: "cache", multiline, latencyMs, contextPaths: [] };
      }

      if (!(await this.deps.debouncer.wait(settings.debounceMs, own.signal)))
        return this.skip("cancelled", input);

      const { params, context, retrieved } = this.request(input, settings, prefix, suffix, multiline);
      let result: CompleteResult;
      try {
        result = await this.deps.model(params, own.signal);
      } catch (error) {
        if (own.signal.aborted) return this.skip("cancelled", input);
        this.deps.log.log("warn", "complete.error", { path: input.path, error });
        return this.skip("error", input);
      }
      if (result.stopReason === "cancelled" || own.signal.aborted) return this.skip("cancelled", input);
      const text = shownCompletion(result.text, suffix, multiline);
      const latencyMs = this.now() - started;
      this.deps.log.log("info", "complete", {
        path: input.path,
        multiline,
        adapters: result.adapters,
        context: context.map((c) => c.path),
        ...(settings.retrieval ? { retrieval: retrieved.map((c) => c.path) } : {}),
        promptTokens: result.promptTokens,
        reusedPromptTokens: result.reusedPromptTokens,
        completionTokens: result.completionTokens,
        stopReason: result.stopReason,
        timings: result.timings,
        latencyMs: Math.round(latencyMs),
        raw: result.text,
        shown: text,
      });
      if (text === null) return this.skip("empty", input);
      this.deps.cache.set(key, text);
      return {
        text,
        source: "model",
        multiline,
        latencyMs,
        contextPaths: context.map((c) => c.path),
        retrievalPaths: retrieved.map((c) => c.path),
        result,
      };
    } finally {
      unlink();
      if (this.inflight === own) this.inflight = null;
    }
  }

  /**
   * The cache's answer; a suggestion followed past an auto-closed bracket is finished against the new suffix
   * (so its `)` is not shown twice), and is no answer when nothing is left to show.
   */
  private fromCache(key: CacheKeyParts, multiline: boolean): CacheHit | null {
    const hit = this.deps.cache.get(key);
    if (!hit?.suffixChanged) return hit;
    const text = shownCompletion(hit.text, key.suffix, multiline);
    return text === null ? null : { ...hit, text };
  }

  /**
   * Prefills the prompt for a cursor that came to rest (no keystroke yet), so the runtime's prompt cache and
   * typing anchor are warm when the user starts typing there: the first keystroke then feeds a few tokens
   * instead of the whole prompt (~2 s for ~900 tokens on 2 cores). The request is the one a keystroke there
   * would send, asking for one token (which the prefill yields at no extra step); nothing is shown or cached.
   * Skipped while a completion is in flight and where the prefilter would skip completions. True when the
   * runtime answered.
   */
  async warm(input: CompletionInput, signal: AbortSignal): Promise<boolean> {
    const settings = this.deps.settings();
    if (this.inflight || settings.warmUpMs <= 0) return false;
    if (unshowableReason(input.prefix, input.suffix, settings)) return false;
    const { prefix, suffix, multiline } = sentWindow(input, settings);
    const { params } = this.request(input, settings, prefix, suffix, multiline);
    const { timeoutMs: _uncapped, ...warmParams } = params; // a prefill is one step: nothing to cap
    this.warming?.abort();
    const { own, unlink } = following(signal);
    this.warming = own;
    const started = this.now();
    try {
      const result = await this.deps.model({ ...warmParams, maxTokens: 1 }, own.signal);
      this.deps.log.log("debug", "complete.warm", {
        path: input.path,
        promptTokens: result.promptTokens,
        reusedPromptTokens: result.reusedPromptTokens,
        timings: result.timings,
        latencyMs: Math.round(this.now() - started),
      });
      return result.stopReason !== "cancelled";
    } catch (error) {
      if (!own.signal.aborted) this.deps.log.log("warn", "complete.warm.error", { path: input.path, error });
      return false;
    } finally {
      unlink();
      if (this.warming === own) this.warming = null;
    }
  }

  /** The protocol request for a position: context (ring, then retrieval) and the settings' limits. */
  private request(
    input: CompletionInput,
    settings: PipelineSettings,
    prefix: string,
    suffix: string,
    multiline: boolean,
  ): { params: CompleteParams; context: ContextSnippet[]; retrieved: ContextSnippet[] } {
    const ringContext: ContextSnippet[] = this.deps.ring.snippets(
      { uri: input.documentUri, visible: prefix.slice(-3000) + suffix.slice(0, 1000) },
      settings.contextSize,
    );
    const retrieved = settings.retrieval ? this.retrieve(input, ringContext) : [];
    // As in the dataset: the other context first, the retrieved windows after it; the runtime's buildPrompt
    // keeps them in this order while they fit the budget.
    const context: ContextSnippet[] = [...ringContext, ...retrieved];
    const params: CompleteParams = {
      workspace: input.workspace,
      documentUri: input.documentUri,
      path: input.path,
      languageId: input.languageId,
      repoName: input.repoName,
      prefix,
      suffix,
      context,
      multiline,
      maxTokens: settings.maxTokens,
      suffixShare: settings.suffixShare,
      ...(settings.timeoutMs > 0 ? { timeoutMs: settings.timeoutMs } : {}),
    };
    return { params, context, retrieved };
  }

  /** The retrieved windows as protocol snippets; a failing index never fails the completion. */
  private retrieve(input: CompletionInput, shown: readonly ContextSnippet[]): ContextSnippet[] {
    if (!this.deps.retrieve) return [];
    try {
      const entries = this.deps.retrieve({
        workspace: input.workspace,
        path: input.path,
        prefix: input.prefix,
        suffix: input.suffix,
        line: input.line ?? countLines(input.prefix) - 1,
      });
      return withoutShown(entries, shown).map((entry) => ({ path: entry.path, text: entry.text }));
    } catch (error) {
      this.deps.log.log("warn", "retrieval.error", { path: input.path, error });
      return [];
    }
  }

  /** Cancels whatever is waiting or running (e.g. the document was closed). */
  cancel(): void {
    this.inflight?.abort();
    this.warming?.abort();
    this.deps.debouncer.supersede();
  }

  private skip(reason: SkipReason, input: CompletionInput): null {
    this.deps.log.log("trace", "complete.skip", { reason, path: input.path });
    return null;
  }
}

/** The text around the cursor a request sends (bounded by the settings), and whether it asks for several lines. */
function sentWindow(
  input: CompletionInput,
  settings: PipelineSettings,
): { prefix: string; suffix: string; multiline: boolean } {
  return {
    prefix: input.prefix.slice(-settings.maxPrefixChars),
    suffix: input.suffix.slice(0, settings.maxSuffixChars),
    multiline: shouldBeMultiline(input.prefix, input.suffix, input.languageId),
  };
}

/** A controller of our own that also aborts when `signal` does; `unlink` stops following it. */
function following(signal: AbortSignal): { own: AbortController; unlink: () => void } {
  const own = new AbortController();
  const onAbort = () => own.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) own.abort();
  return { own, unlink: () => signal.removeEventListener("abort", onAbort) };
}

function countLines(text: string): number {
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines += 1;
  return lines;
}
