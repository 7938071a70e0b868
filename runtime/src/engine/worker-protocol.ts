/** Messages between EngineClient (any thread) and the engine worker (engine-worker.ts). */
import type { ModelPackageManifest } from "../model/manifest.ts";
import type { EngineOptions } from "./decoder-engine.ts";

export interface WeightedAdapterKey {
  key: string;
  weight: number;
}

export type EngineRequest =
  | { id: number; method: "open"; packageDir: string; options: EngineOptions }
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
    }
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
  stopReason: "stop-token" | "max-tokens" | "cancelled";
  /** With returnLogits: the logits that chose each token, (vocab,) each. */
  logits?: Float32Array[];
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
