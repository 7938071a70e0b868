/**
 * The engine's worker thread: owns the DecoderEngine (one session, one base model), the loaded adapters and
 * the prompt KV caches, handles EngineRequests one at a time, and streams tokens back as they are chosen.
 */
import { parentPort } from "node:worker_threads";
import { type LoraTensors, loraTensorBytes } from "../adapter/lora-tensors.ts";
import { loadPeftAdapter } from "../adapter/peft-adapter.ts";
import { stackAdapters } from "../adapter/stack.ts";
import type { CompletionStopSpec } from "../complete/stop-rules.ts";
import { CompletionStopper } from "../complete/stopper.ts";
import { EngineError, RuntimeError } from "../errors.ts";
import { openModelPackage } from "../model/package.ts";
import { loadTokenizer, type TextTokenizer } from "../model/tokenizer.ts";
import { answerFromFallback, PrefillSpeed } from "./cold-fallback.ts";
import { deadlineAfter } from "./deadline.ts";
import { DecoderEngine } from "./decoder-engine.ts";
import { PromptCacheStore } from "./prompt-cache.ts";
import type {
  EngineInfo,
  EngineRequest,
  EngineResponse,
  GenerateWorkerResult,
  LoadAdapterResult,
  OpenResult,
  WeightedAdapterKey,
} from "./worker-protocol.ts";

if (!parentPort) throw new Error("engine-worker.ts must run in a worker thread (use EngineClient)");
const port = parentPort;

const DEFAULT_PROMPT_CACHES = 4;
/**
 * Test hook: the worker thread exits (code 70) after emitting this many tokens in total — an engine that dies
 * in the middle of a completion, for the server's and the supervisor's restart tests. Unset in real use.
 */
const EXIT_AFTER_TOKENS = Number(process.env.REPOLORA_TEST_ENGINE_EXIT_AFTER_TOKENS ?? 0);
/** Test hook: a slow engine (this many ms a token), so a completion is still running when a test acts. */
const STEP_DELAY_MS = Number(process.env.REPOLORA_TEST_ENGINE_STEP_DELAY_MS ?? 0);
let tokensEmitted = 0;
const MAX_STACKS = 16;

let engine: DecoderEngine | null = null;
let tokenizer: TextTokenizer | null = null;
let sessionsCreated = 0;
let promptCaches = new PromptCacheStore(DEFAULT_PROMPT_CACHES);
const prefillSpeed = new PrefillSpeed();
const adapters = new Map<string, { tensors: LoraTensors; version: number }>();
let adapterVersion = 0;
/** Stacks (and single adapters at weight ≠ 1) built once per signature: a workspace switch is a lookup. */
const stacks = new Map<string, LoraTensors>();
/** The adapters behind the engine's current tensors, and their signature. */
let active: { keys: WeightedAdapterKey[]; signature: string } = { keys: [], signature: "" };

/** Bytes of graph inputs that are not the adapter's own arrays (a fused group's A and block-diagonal B). */
function copiedFeedBytes(feeds: Record<string, { data: unknown }>, tensors: LoraTensors): number {
  const own = new Set<unknown>();
  for (const pair of tensors.pairs.values()) own.add(pair.a).add(pair.b);
  let bytes = 0;
  for (const feed of Object.values(feeds)) {
    if (!own.has(feed.data)) bytes += (feed.data as Float32Array).byteLength;
  }
  return bytes;
}

function requireEngine(): DecoderEngine {
  if (!engine) throw new EngineError("the engine is not open; call open first");
  return engine;
}

/** Identifies an adapter list, including each adapter's load version (a reload changes the signature). */
function signatureOf(list: readonly WeightedAdapterKey[]): string {
  return list
    .map(({ key, weight }) => {
      const loaded = adapters.get(key);
      if (!loaded) throw new EngineError(`adapter "${key}" is not loaded; call loadAdapter first`);
      return `${key}@${loaded.version}×${weight}`;
    })
    .join("\u0000");
}

function resolveAdapters(list: readonly WeightedAdapterKey[], signature: string): LoraTensors | null {
  if (list.length === 0) return null;
  // One adapter at weight 1 is fed as is; anything else is stacked (exact, and costs one rank-Σr branch).
  if (list.length === 1 && list[0]!.weight === 1) return adapters.get(list[0]!.key)!.tensors;
  let stacked = stacks.get(signature);
  if (!stacked) {
    stacked = stackAdapters(list.map(({ key, weight }) => ({ adapter: adapters.get(key)!.tensors, weight })));
    stacks.set(signature, stacked);
    if (stacks.size > MAX_STACKS) stacks.delete(stacks.keys().next().value as string);
  }
  return stacked;
}

function setAdapters(list: readonly WeightedAdapterKey[]): void {
  const signature = signatureOf(list);
  if (signature === active.signature) return;
  requireEngine().setAdapter(resolveAdapters(list, signature));
  active = { keys: [...list], signature };
}

function forgetAdapter(key: string): void {
  for (const signature of [...stacks.keys()]) {
    if (signature.split("\u0000").some((part) => part.startsWith(`${key}@`))) stacks.delete(signature);
  }
  promptCaches.invalidate(key);
  if (active.keys.some((a) => a.key === key)) {
    requireEngine().setAdapter(null);
    active = { keys: [], signature: "" };
  }
}

/** The prompt cache entry of a workspace's short prompts. */
function shortPromptCacheKey(cacheKey: string): string {
  return `${cacheKey}\u0000short`;
}

/** Prompt tokens fed per background step: a request arriving during one waits for it (~0.1 s on 2 cores). */
const LATER_CHUNK_TOKENS = 32;
/** Idle time after the last request before background steps start: typing keeps them out of its way. */
const LATER_IDLE_MS = 100;
/**
 * The full prompt of the last place answered from its short prompt, prefilled a chunk at a time in the worker's
 * idle time into the workspace's cache entry, so that the next keystrokes there get the full prompt again.
 */
interface PrefillLater {
  cacheKey: string;
  adapters: WeightedAdapterKey[];
  prompt: number[];
  /** Tokens of `prompt` the cache entry held after the last step. */
  done: number;
}
let later: PrefillLater | null = null;
let laterQueued = false;
let laterTimer: ReturnType<typeof setTimeout> | null = null;
/** Requests received and not answered yet. */
let pending = 0;

/** Replaces any earlier background prefill: only the newest place is worth it. */
function prefillLater(task: PrefillLater): void {
  later = task; // its first step is armed when the request that asked for it is answered
}

/** The next background step, once the worker has had no request for `idleMs`. */
function queueLaterStep(idleMs: number): void {
  if (!later || laterQueued || laterTimer) return;
  laterTimer = setTimeout(() => {
    laterTimer = null;
    if (!later || pending > 0) return; // re-armed when the requests are answered
    laterQueued = true;
    queue = queue.then(laterStep);
  }, idleMs);
  laterTimer.unref();
}

async function laterStep(): Promise<void> {
  laterQueued = false;
  const task = later;
  if (!task || !engine) return;
  try {
    setAdapters(task.adapters);
    const target = task.prompt.length - 1; // the request feeds the last token itself
    const have = promptCaches.reusable(task.cacheKey, active.signature, task.prompt);
    // a request replaced the entry with another prompt meanwhile: that place is not the newest any more
    if (have < task.done || have >= target) {
      later = null;
      return;
    }
    const hit = have > 0 ? promptCaches.lookup(task.cacheKey, active.signature, task.prompt) : null;
    const from = hit?.cache ?? engine.emptyCache();
    const upTo = Math.min(target, from.length + LATER_CHUNK_TOKENS);
    const started = performance.now();
    const { cache } = await engine.forward(task.prompt.slice(from.length, upTo), from);
    prefillSpeed.observe(upTo - from.length, performance.now() - started);
    promptCaches.store(task.cacheKey, active.signature, task.prompt.slice(0, upTo), cache);
    task.done = upTo;
    if (upTo < target) queueLaterStep(0);
    else later = null;
  } catch {
    later = null; // an adapter dropped meanwhile, a closed engine: the next request decides afresh
  }
}

/** The request's prompt, or its fallback when the prompt's uncached part would not fit the cap (cold-fallback.ts). */
function promptToAnswer(request: Extract<EngineRequest, { method: "generate" }>): {
  prompt: number[];
  stop: CompletionStopSpec | undefined;
  firstTokenIds: number[] | undefined;
  fallbackUsed: boolean;
} {
  const asked = { prompt: request.prompt, stop: request.stop, firstTokenIds: request.firstTokenIds };
  const { fallback, timeoutMs } = request;
  if (!fallback || timeoutMs === undefined) return { ...asked, fallbackUsed: false };
  const fed = (ids: readonly number[], key: string | undefined) =>
    ids.length - (key !== undefined ? promptCaches.reusable(key, active.signature, ids) : 0);
  const shortKey = request.cacheKey !== undefined ? shortPromptCacheKey(request.cacheKey) : undefined;
  if (
    !answerFromFallback(
      prefillSpeed,
      timeoutMs,
      fed(request.prompt, request.cacheKey),
      fed(fallback.prompt, shortKey),
    )
  )
    return { ...asked, fallbackUsed: false };
  return { prompt: fallback.prompt, stop: fallback.stop, firstTokenIds: undefined, fallbackUsed: true };
}

async function generate(
  request: Extract<EngineRequest, { method: "generate" }>,
): Promise<GenerateWorkerResult> {
  const current = requireEngine();
  const isExpired = deadlineAfter(request.timeoutMs);
  const switchStart = performance.now();
  if (request.adapters) setAdapters(request.adapters);
  const adapterSwitchMs = performance.now() - switchStart;
  const flag = new Int32Array(request.cancelFlag);
  const logits: Float32Array[] = [];
  const { prompt, stop, firstTokenIds, fallbackUsed } = promptToAnswer(request);
  // The short prompt keeps its own cache entry: the workspace's entry is where the full prompt is prefilled.
  const cacheKey =
    request.cacheKey !== undefined && fallbackUsed ? shortPromptCacheKey(request.cacheKey) : request.cacheKey;
  const hit = cacheKey !== undefined ? promptCaches.lookup(cacheKey, active.signature, prompt) : null;
  const stopper = stop ? new CompletionStopper(stop, (ids) => tokenizer!.decode(ids)) : null;
  const result = await current.generate(prompt, {
    maxNewTokens: request.maxNewTokens,
    ...(request.stopTokenIds ? { stopTokenIds: request.stopTokenIds } : {}),
    ...(hit ? { prefix: hit.cache } : {}),
    ...(stopper ? { stopAfter: (tokens: readonly number[]) => stopper.check(tokens) } : {}),
    ...(request.sampling ? { sampling: request.sampling } : {}),
    ...(firstTokenIds ? { firstTokenIds } : {}),
    isCancelled: () => Atomics.load(flag, 0) !== 0,
    ...(isExpired ? { isExpired } : {}),
    onToken: (token, stepLogits) => {
      if (request.returnLogits) logits.push(stepLogits.slice());
      port.postMessage({ id: request.id, event: "token", token } satisfies EngineResponse);
      tokensEmitted += 1;
      if (EXIT_AFTER_TOKENS > 0 && tokensEmitted >= EXIT_AFTER_TOKENS) process.exit(70);
      if (STEP_DELAY_MS > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STEP_DELAY_MS);
    },
  });
  prefillSpeed.observe(prompt.length - result.reusedTokens, result.prefillMs);
  if (cacheKey !== undefined && result.cache.length > 0) {
    // The cache holds the prompt and the emitted tokens but the last.
    const cached = [...prompt, ...result.tokens].slice(0, result.cache.length);
    promptCaches.store(cacheKey, active.signature, cached, result.cache);
  }
  if (fallbackUsed && request.cacheKey !== undefined)
    prefillLater({ cacheKey: request.cacheKey, adapters: active.keys, prompt: request.prompt, done: 0 });
  return {
    tokens: result.tokens,
    ...(fallbackUsed ? { fallbackUsed } : {}),
    stopReason: result.stopReason,
    ...(stopper ? { text: stopper.text } : {}),
    reusedTokens: result.reusedTokens,
    prefillMs: result.prefillMs,
    decodeMs: result.decodeMs,
    adapterSwitchMs,
    ...(request.returnLogits ? { logits } : {}),
  };
}

async function handle(request: EngineRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (request.method) {
    case "open": {
      if (engine) throw new EngineError("the engine is already open");
      const pkg = openModelPackage(request.packageDir);
      tokenizer = loadTokenizer(pkg);
      // No LoRA branch until an adapter needs one: each costs every step (decisions/2026-12-06-lora-layers.md).
      engine = await DecoderEngine.create(pkg, { ...request.options, loraLayers: [] });
      sessionsCreated += 1;
      promptCaches = new PromptCacheStore(request.options.promptCaches ?? DEFAULT_PROMPT_CACHES);
      return { result: { manifest: engine.pkg.manifest } satisfies OpenResult };
    }
    case "loadAdapter": {
      const current = requireEngine();
      const tensors = loadPeftAdapter(request.dir, current.pkg.lora);
      // a new session once when it changes layers no loaded adapter did; switching later needs none
      if (await current.coverLayers(current.adapterLayers(tensors))) sessionsCreated += 1;
      // its graph inputs now: the first switch to it is a lookup
      const feeds = current.prepareAdapter(tensors);
      if (adapters.has(request.key)) forgetAdapter(request.key);
      adapters.set(request.key, { tensors, version: ++adapterVersion });
      const result: LoadAdapterResult = {
        key: request.key,
        // what it holds in memory: its tensors and the fused groups' copies of them (the cache's bound)
        bytes: loraTensorBytes(tensors) + copiedFeedBytes(feeds, tensors),
        coveredTargets: tensors.pairs.size,
      };
      return { result };
    }
    case "dropAdapter": {
      forgetAdapter(request.key);
      adapters.delete(request.key);
      return { result: null };
    }
    case "setAdapters": {
      setAdapters(request.adapters);
      return { result: null };
    }
    case "generate": {
      const result = await generate(request);
      return { result, transfer: (result.logits ?? []).map((l) => l.buffer as ArrayBuffer) };
    }
    case "info": {
      const info: EngineInfo = {
        sessionsCreated,
        activeAdapters: active.keys,
        loadedAdapters: [...adapters.keys()],
        promptCaches: promptCaches.summary(),
      };
      return { result: info };
    }
    case "close": {
      later = null;
      await engine?.release();
      engine = null;
      adapters.clear();
      stacks.clear();
      promptCaches.invalidate();
      active = { keys: [], signature: "" };
      return { result: null };
    }
  }
}

// One request at a time, in arrival order (cancellation goes through the shared flag, not the queue).
let queue: Promise<void> = Promise.resolve();
port.on("message", (request: EngineRequest) => {
  pending += 1;
  queue = queue.then(async () => {
    try {
      const { result, transfer } = await handle(request);
      port.postMessage({ id: request.id, ok: true, result } satisfies EngineResponse, transfer ?? []);
    } catch (error) {
      const e = error as Error;
      const code = e instanceof RuntimeError ? e.code : "engine-failed";
      port.postMessage({
        id: request.id,
        ok: false,
        error: { name: e.name, code, message: e.message },
      } satisfies EngineResponse);
    } finally {
      pending -= 1;
      if (pending === 0) queueLaterStep(LATER_IDLE_MS);
    }
  });
});
