/** Messages between EngineClient (any thread) and the engine worker (engine-worker.ts). */
import type { CompletionStopSpec } from "../complete/stop-rules.ts";
import type { ModelPackageManifest } from "../model/manifest.ts";
import type { EngineOptions, StopReason } from "./decoder-engine.ts";
import type { Sampling } from "./sampling.ts";

export interface WeightedAdapterKey {
  key: string;
  weight: number;
}

export interface WorkerOptions extends EngineOptions {
  /** Prompt KV caches kept (one per cache key, i.e. per workspace); 0 disables prefix reuse. */
  promptCaches?: number;
}

export type EngineRequest =
  | { id: number; method: "open"; packageDir: string; options: WorkerOptions }
  | { id: number; method: "loadAdapter"; key: string; dir: string }
  | { id: number; method: "dropAdapter"; key: string }
  /** [] = no adapter; one entry = that adapter scaled; several = stacked along the rank axis. */
  | { id: number; method: "setAdapters"; adapters: WeightedAdapterKey[] }
  | {
      id: number;
      method: "generate";
      prompt: number[];
      maxNewTokens: number;
      stopTokenIds?: number[];
      returnLogits: boolean;
      /** Int32 flag set to 1 by the client to cancel; read by the worker before each step. */
      cancelFlag: SharedArrayBuffer;
      /** Switch to these adapters first (same as setAdapters). */
      adapters?: WeightedAdapterKey[];
      /** Reuse and keep the prompt KV cache under this key (a workspace). */
      cacheKey?: string;
      /** Text stop rules (end of line / block); the worker decodes the tokens to apply them. */
      stop?: CompletionStopSpec;
      /** Temperature / top-p sampling; greedy when absent. */
      sampling?: Sampling;
      /** Milliseconds left for this generation, counted from when the worker starts it; absent: no cap. */
      timeoutMs?: number;
      /** Token healing: the first token must be one of these. */
      firstTokenIds?: number[];
      /**
       * With timeoutMs: a short prompt (and its stop rules; no healing) to answer from instead when the prompt's
       * uncached tokens would take most of the cap (./cold-fallback.ts).
       */
      fallback?: { prompt: number[]; stop?: CompletionStopSpec };
    }
  | { id: number; method: "info" }
  | { id: number; method: "close" };

export interface OpenResult {
  manifest: ModelPackageManifest;
}
export interface LoadAdapterResult {
  key: string;
  bytes: number;
  coveredTargets: number;
}
export interface GenerateWorkerResult {
  tokens: number[];
  /** The request's fallback prompt was answered instead of its prompt. */
  fallbackUsed?: boolean;
  stopReason: StopReason;
  /** With a stop spec: the decoded completion, cut where the stop rule fired. */
  text?: string;
  reusedTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** Time the worker spent switching adapters before this generation. */
  adapterSwitchMs: number;
  /** With returnLogits: the logits that chose each token, (vocab,) each. */
  logits?: Float32Array[];
}
export interface EngineInfo {
  /**
   * Inference sessions created by this worker: 1 at open, one more when a loaded adapter changes layers no
   * adapter loaded before did (decoder-engine.ts coverLayers); adapter switches never create one.
   */
  sessionsCreated: number;
  activeAdapters: WeightedAdapterKey[];
  loadedAdapters: string[];
  promptCaches: Array<{ key: string; tokens: number }>;
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
}

export type EngineResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { id: number; event: "token"; token: number };
