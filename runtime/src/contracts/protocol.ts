/**
 * The runtime server's protocol: JSON-RPC 2.0, one JSON object per line over the server's stdin/stdout
 * (stderr carries logs). The extension and the CLI import these types; the server implements them and validates
 * every request's params with the schemas below. The TypeScript types are inferred from the schemas (z.infer), so a
 * field cannot be required by the type and stripped by the validator, or the other way round.
 * Bump PROTOCOL_VERSION on any incompatible change; `initialize` refuses a mismatch.
 */
import { z } from "zod";

export const PROTOCOL_VERSION = 1;

export const WeightedAdapter = z.object({
  /** Key given to loadAdapter. */
  key: z.string().min(1),
  /** Scale of this adapter in the stack; 1 = as trained. */
  weight: z.number().finite(),
});
export type WeightedAdapter = z.infer<typeof WeightedAdapter>;

export const ContextSnippet = z.object({ path: z.string(), text: z.string() });
export type ContextSnippet = z.infer<typeof ContextSnippet>;

const InitializeParams = z.object({
  protocolVersion: z.number().int(),
  /** Folder made by `repolora model prepare`. */
  modelPackage: z.string(),
  threads: z.number().int().positive().optional(),
  /** Bound of the adapter cache (LRU by bytes). */
  maxAdapterBytes: z.number().int().nonnegative().optional(),
  /** Prompt budget in tokens (shared prompt builder). */
  maxPromptTokens: z.number().int().min(32).optional(),
  /**
   * Adapter folder of the default completion system, used by every workspace without adapters of its own.
   * Omitted: the default adapter shipped with the runtime; null: none (the raw base model).
   */
  defaultAdapter: z.string().min(1).nullable().optional(),
});

const InitializeResult = z.object({
  protocolVersion: z.number(),
  serverVersion: z.string(),
  model: z.object({ id: z.string(), fimTemplate: z.string(), vocabSize: z.number() }),
  /** The default adapter and whether it is in use; `problem` says why not (completions use the raw base). */
  defaultAdapter: z
    .object({ dir: z.string(), active: z.boolean(), problem: z.string().optional() })
    .nullable(),
});

const CompleteParams = z.object({
  workspace: z.string().min(1),
  /** A newer request for the same document cancels the older one. */
  documentUri: z.string().min(1),
  /** Repo-relative path shown to the model. */
  path: z.string(),
  languageId: z.string(),
  repoName: z.string(),
  prefix: z.string(),
  suffix: z.string(),
  context: z.array(ContextSnippet),
  /** Single-line completions stop at the end of the line; multi-line ones at the end of the block. */
  multiline: z.boolean(),
  maxTokens: z.number().int().positive().optional(),
  /** Sampling instead of greedy decoding: temperature > 0, nucleus mass topP (default 1), seed (default 0). */
  temperature: z.number().min(0).max(10).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().nonnegative().optional(),
  /**
   * Share of the prompt budget the text after the cursor may take (0–0.5; default the dataset's, 0.2).
   * Every suffix token is fed again on each keystroke, so a smaller share is a faster prompt.
   */
  suffixShare: z.number().min(0).max(0.5).optional(),
  /**
   * Most milliseconds from arrival to answer. Decoding stops when they are spent and the completion so far,
   * cut back to whole lines or words, is returned with `stopReason: "time-limit"` (maybe empty). The prefill
   * is one step and cannot be cut. Absent: no cap. Where nothing of the prompt is cached and its prefill alone
   * would take most of the cap, the answer comes from a short prompt (`shortPrompt: true`; ~160 tokens around
   * the cursor, no context snippets).
   */
  timeoutMs: z.number().int().positive().optional(),
});

export const STOP_REASONS = [
  "stop-token",
  "max-tokens",
  "end-of-line",
  "end-of-block",
  "cancelled",
  /** The request's timeoutMs was spent: `text` is what was decoded by then, trimmed. */
  "time-limit",
] as const;

const CompleteResult = z.object({
  text: z.string(),
  stopReason: z.enum(STOP_REASONS),
  completionTokens: z.number(),
  promptTokens: z.number(),
  /** Prompt tokens served from the KV cache of the previous request (typing forward). */
  reusedPromptTokens: z.number(),
  /** The answer came from the short prompt a cold place gets under a time cap (see `timeoutMs`). */
  shortPrompt: z.boolean().optional(),
  adapters: z.array(WeightedAdapter),
  timings: z.object({
    queueMs: z.number(),
    prefillMs: z.number(),
    decodeMs: z.number(),
    totalMs: z.number(),
  }),
});

const NoParams = z.object({});

/** Each method's params, as the server validates them (unknown keys are stripped). */
export const METHOD_PARAMS = {
  initialize: InitializeParams,
  /** Reads a PEFT adapter bundle into the cache; refuses a wrong base model or wrong shapes. */
  loadAdapter: z.object({ key: z.string().min(1), dir: z.string().min(1) }),
  /**
   * The adapters a workspace completes with ([] = the default completion system: the default adapter when one is
   * active, else the base model). Switching is a lookup, not a reload.
   */
  setWorkspaceAdapters: z.object({ workspace: z.string().min(1), adapters: z.array(WeightedAdapter) }),
  complete: CompleteParams,
  stats: NoParams,
  shutdown: NoParams,
} as const;

/** Each method's result, as the server answers. */
export const METHOD_RESULTS = {
  initialize: InitializeResult,
  loadAdapter: z.object({ key: z.string(), bytes: z.number(), coveredTargets: z.number() }),
  setWorkspaceAdapters: z.object({ workspace: z.string(), adapters: z.array(WeightedAdapter) }),
  complete: CompleteResult,
  stats: z.object({
    adapters: z.array(z.object({ key: z.string(), bytes: z.number() })),
    adapterCacheBytes: z.number(),
    requests: z.number(),
    cancelled: z.number(),
    lastLatencyMs: z.number().nullable(),
  }),
  shutdown: z.null(),
} as const satisfies { [M in keyof typeof METHOD_PARAMS]: z.ZodType };

export type MethodName = keyof typeof METHOD_PARAMS;

/** Params and result of every method, inferred from the schemas above. */
export type Methods = {
  [M in MethodName]: {
    params: z.infer<(typeof METHOD_PARAMS)[M]>;
    result: z.infer<(typeof METHOD_RESULTS)[M]>;
  };
};

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHOD_PARAMS, name);
}

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
