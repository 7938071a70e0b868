/**
 * The runtime server's protocol: JSON-RPC 2.0, one JSON object per line over the server's stdin/stdout
 * (stderr carries logs). The extension and the CLI import these types; the server implements them.
 * Bump PROTOCOL_VERSION on any incompatible change; `initialize` refuses a mismatch.
 */

export const PROTOCOL_VERSION = 1;

export interface WeightedAdapter {
  /** Key given to loadAdapter. */
  key: string;
  /** Scale of this adapter in the stack; 1 = as trained. */
  weight: number;
}

export interface ContextSnippet {
  path: string;
  text: string;
}

export interface Methods {
  initialize: {
    params: {
      protocolVersion: number;
      /** Folder made by `repolora model prepare`. */
      modelPackage: string;
      threads?: number;
      /** Bound of the adapter cache (LRU by bytes). */
      maxAdapterBytes?: number;
      /** Prompt budget in tokens (shared prompt builder). */
      maxPromptTokens?: number;
      /**
       * Adapter folder of the default completion system, used by every workspace without adapters of its own.
       * Omitted: the default adapter shipped with the runtime; null: none (the raw base model).
       */
      defaultAdapter?: string | null;
    };
    result: {
      protocolVersion: number;
      serverVersion: string;
      model: { id: string; fimTemplate: string; vocabSize: number };
      /** The default adapter and whether it is in use; `problem` says why not (completions use the raw base). */
      defaultAdapter: { dir: string; active: boolean; problem?: string } | null;
    };
  };
  /** Reads a PEFT adapter bundle into the cache; refuses a wrong base model or wrong shapes. */
  loadAdapter: {
    params: { key: string; dir: string };
    result: { key: string; bytes: number; coveredTargets: number };
  };
  /**
   * The adapters a workspace completes with ([] = the default completion system: the default adapter when one is
   * active, else the base model). Switching is a lookup, not a reload.
   */
  setWorkspaceAdapters: {
    params: { workspace: string; adapters: WeightedAdapter[] };
    result: { workspace: string; adapters: WeightedAdapter[] };
  };
  complete: {
    params: {
      workspace: string;
      /** A newer request for the same document cancels the older one. */
      documentUri: string;
      /** Repo-relative path shown to the model. */
      path: string;
      languageId: string;
      repoName: string;
      prefix: string;
      suffix: string;
      context: ContextSnippet[];
      /** Single-line completions stop at the end of the line; multi-line ones at the end of the block. */
      multiline: boolean;
      maxTokens?: number;
      /** Sampling instead of greedy decoding: temperature > 0, nucleus mass topP (default 1), seed (default 0). */
      temperature?: number;
      topP?: number;
      seed?: number;
      /**
       * Share of the prompt budget the text after the cursor may take (0–0.5; default the dataset's, 0.2).
       * Every suffix token is fed again on each keystroke, so a smaller share is a faster prompt.
       */
      suffixShare?: number;
      /**
       * Most milliseconds from arrival to answer. Decoding stops when they are spent and the completion so far,
       * cut back to whole lines or words, is returned with `stopReason: "time-limit"` (maybe empty). The prefill
       * is one step and cannot be cut. Absent: no cap.
       */
      timeoutMs?: number;
    };
    result: {
      text: string;
      stopReason:
        | "stop-token"
        | "max-tokens"
        | "end-of-line"
        | "end-of-block"
        | "cancelled"
        /** The request's timeoutMs was spent: `text` is what was decoded by then, trimmed. */
        | "time-limit";
      completionTokens: number;
      promptTokens: number;
      /** Prompt tokens served from the KV cache of the previous request (typing forward). */
      reusedPromptTokens: number;
      adapters: WeightedAdapter[];
      timings: { queueMs: number; prefillMs: number; decodeMs: number; totalMs: number };
    };
  };
  stats: {
    params: Record<string, never>;
    result: {
      adapters: Array<{ key: string; bytes: number }>;
      adapterCacheBytes: number;
      requests: number;
      cancelled: number;
      lastLatencyMs: number | null;
    };
  };
  shutdown: { params: Record<string, never>; result: null };
}

export type MethodName = keyof Methods;

/** Notifications (no id, no response). */
export interface Notifications {
  /** Cancels a pending or running `complete` by its JSON-RPC id. */
  cancel: { id: number };
}

export type ErrorCode =
  | "NOT_INITIALIZED"
  | "PROTOCOL_MISMATCH"
  | "BAD_REQUEST"
  | "MODEL_LOAD_FAILED"
  | "ADAPTER_NOT_FOUND"
  | "ADAPTER_MISMATCH"
  | "CANCELLED"
  | "INTERNAL";

export interface RequestMessage<M extends MethodName = MethodName> {
  jsonrpc: "2.0";
  id: number;
  method: M;
  params: Methods[M]["params"];
}

export interface NotificationMessage<N extends keyof Notifications = keyof Notifications> {
  jsonrpc: "2.0";
  method: N;
  params: Notifications[N];
}

export interface ErrorObject {
  /** JSON-RPC numeric code (-32600 invalid request, -32601 unknown method, -32000 server error). */
  code: number;
  message: string;
  data: { code: ErrorCode };
}

export type ResponseMessage<M extends MethodName = MethodName> =
  | { jsonrpc: "2.0"; id: number; result: Methods[M]["result"] }
  | { jsonrpc: "2.0"; id: number; error: ErrorObject };
