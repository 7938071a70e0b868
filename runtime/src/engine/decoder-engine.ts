/**
 * Runs a model package in onnxruntime-node (CPU): prefill, incremental decode with the KV cache, greedy
 * generation. Adapters are graph inputs, so switching one is feeding other tensors to the same session.
 *
 * `session.run` blocks the thread it runs on: use this class inside a worker (engine-worker.ts), not on the
 * main thread of a server or an editor.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import ort from "onnxruntime-node";
import type { LoraTensors } from "../adapter/lora-tensors.ts";
import type { TextStopReason } from "../complete/stop-rules.ts";
import { EngineError } from "../errors.ts";
import {
  GRAPH_INPUT,
  GRAPH_OUTPUT,
  newKeyName,
  newValueName,
  pastKeyName,
  pastValueName,
} from "../model/graph-io.ts";
import { groupsOnLayers, withLoraBranchesOnly } from "../model/lora-branches.ts";
import type { ModelPackage } from "../model/package.ts";
import { appendToCache, emptyKvCache, type KvCache } from "./kv-cache.ts";
import { disableOrtTelemetry } from "./ort-telemetry.ts";
import { onlyThese, type Sampling, tokenChooser } from "./sampling.ts";

export interface EngineOptions {
  /** Threads for one operator; default: onnxruntime's choice (the physical cores). */
  intraOpNumThreads?: number;
  /**
   * Layers whose LoRA branches the session runs: "all" (default; any adapter fits without a new session) or a
   * list; the other layers' branches are left out of the graph (model/lora-branches.ts), and `coverLayers`
   * adds layers with a new session when an adapter needs them.
   */
  loraLayers?: "all" | readonly number[];
}

export interface ForwardResult {
  /** (keep, vocab), row-major: the logits of the last `keep` new positions. */
  logits: Float32Array;
  cache: KvCache;
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** Generation ends before emitting any of these; default: the package's stop tokens. */
  stopTokenIds?: readonly number[];
  /**
   * Checked before each step; when true, generation returns what it has with `stopReason: "cancelled"`.
   * A function rather than an AbortSignal: inside a busy worker no abort event can arrive, a shared flag can.
   */
  isCancelled?: () => boolean;
  /**
   * The time cap, checked where isCancelled is: before the prefill and before each decode step (the token the
   * prefill's logits choose costs no step, so it is always taken). True ends generation with what it has and
   * `stopReason: "time-limit"`. A function, so tests drive it with a fake clock or a step count.
   */
  isExpired?: () => boolean;
  /** Called with each new token and the logits that chose it, (vocab,). */
  onToken?: (token: number, logits: Float32Array) => void;
  /**
   * The KV cache of the prompt's first `prefix.length` tokens (prefix reuse): only the rest of the prompt is
   * fed. It must leave at least one prompt token to feed.
   */
  prefix?: KvCache;
  /** Checked after each emitted token with all of them; a reason ends generation (text stop rules). */
  stopAfter?: (tokens: readonly number[]) => TextStopReason | null;
  /** Temperature / top-p sampling; greedy when absent or at temperature 0. */
  sampling?: Sampling;
  /** Token healing: the first generated token must be one of these (a completion that starts with the typed text's last token). */
  firstTokenIds?: readonly number[];
}

export type StopReason = "stop-token" | "max-tokens" | "cancelled" | "time-limit" | TextStopReason;

export interface GenerateResult {
  tokens: number[];
  stopReason: StopReason;
  /** The cache of the prompt and every emitted token but the last (which was never fed back). */
  cache: KvCache;
  /** Prompt tokens taken from `prefix` rather than computed. */
  reusedTokens: number;
  /** Wall time of the prefill (the prompt's uncached tokens) and of the decode steps after it. */
  prefillMs: number;
  decodeMs: number;
}

export class DecoderEngine {
  private adapterFeeds: Record<string, ort.Tensor>;
  private noAdapterFeeds: Record<string, ort.Tensor>;
  private feedsByAdapter = new WeakMap<LoraTensors, Record<string, ort.Tensor>>();
  private activeAdapter: LoraTensors | null = null;
  /** The LoRA groups whose branch the session runs (their inputs are fed; the others are not in the graph). */
  private groups: ModelPackage["lora"]["groups"];
  /** Each LoRA target's layer, by path. */
  private readonly layerOfTarget: ReadonlyMap<string, number>;

  private constructor(
    readonly pkg: ModelPackage,
    private current: ort.InferenceSession,
    private layers: ReadonlySet<number>,
    private readonly options: EngineOptions,
  ) {
    this.layerOfTarget = new Map(pkg.lora.targets.map((target) => [target.path, target.layer]));
    this.groups = groupsOnLayers(pkg.lora.groups, layers);
    this.noAdapterFeeds = this.buildAdapterFeeds(null);
    this.adapterFeeds = this.noAdapterFeeds;
  }

  static async create(pkg: ModelPackage, options: EngineOptions = {}): Promise<DecoderEngine> {
    disableOrtTelemetry(); // effective on the main thread (tests, benchmarks); EngineClient did it for workers
    const all = new Set(pkg.lora.groups.map((group) => group.layer));
    const layers =
      options.loraLayers === undefined || options.loraLayers === "all"
        ? all
        : new Set(options.loraLayers.filter((layer) => all.has(layer)));
    return new DecoderEngine(pkg, await openSession(pkg, layers, options), layers, options);
  }

  /** The onnxruntime session; a new one after `coverLayers` added layers. */
  get session(): ort.InferenceSession {
    return this.current;
  }

  /** Layers `adapter` changes (a target of rank > 0). */
  adapterLayers(adapter: LoraTensors): Set<number> {
    const layers = new Set<number>();
    for (const [path, pair] of adapter.pairs) {
      const layer = this.layerOfTarget.get(path);
      if (layer !== undefined && pair.rank > 0) layers.add(layer);
    }
    return layers;
  }

  /**
   * Makes the session run the LoRA branches of `layers` as well: when some are missing, the session is replaced
   * by one with the union (~1 s for the 0.5B model on 2 cores; the old one is released first, so the weights
   * are never held twice). Returns whether a new session was made. Prompt caches stay valid: a rank-0 branch
   * adds exactly 0, so leaving it out changes no number.
   */
  async coverLayers(layers: Iterable<number>): Promise<boolean> {
    const missing = [...layers].filter((layer) => !this.layers.has(layer));
    if (missing.length === 0) return false;
    const next = new Set([...this.layers, ...missing]);
    await this.current.release();
    try {
      this.current = await openSession(this.pkg, next, this.options);
    } catch (error) {
      this.current = await openSession(this.pkg, this.layers, this.options);
      throw error;
    }
    this.layers = next;
    this.groups = groupsOnLayers(this.pkg.lora.groups, next);
    this.feedsByAdapter = new WeakMap();
    this.noAdapterFeeds = this.buildAdapterFeeds(null);
    this.adapterFeeds = this.activeAdapter ? this.prepareAdapter(this.activeAdapter) : this.noAdapterFeeds;
    return true;
  }

  get vocabSize(): number {
    return this.pkg.manifest.config.vocabSize;
  }

  get adapter(): LoraTensors | null {
    return this.activeAdapter;
  }

  /** Hot swap: later runs feed these tensors (null: every target rank 0). No session reload. */
  setAdapter(adapter: LoraTensors | null): void {
    if (adapter && adapter.baseModelId !== this.pkg.manifest.baseModel.id) {
      throw new EngineError(
        `adapter ${adapter.name} was loaded for base model ${adapter.baseModelId}, this engine runs ${this.pkg.manifest.baseModel.id}`,
      );
    }
    this.activeAdapter = adapter;
    this.adapterFeeds = adapter ? this.prepareAdapter(adapter) : this.noAdapterFeeds;
  }

  /**
   * The adapter's graph inputs (the fused groups' A and block-diagonal B), built once and kept while the
   * adapter is: called at load, so that the first switch to it is a lookup too.
   */
  prepareAdapter(adapter: LoraTensors): Record<string, ort.Tensor> {
    let feeds = this.feedsByAdapter.get(adapter);
    if (!feeds) {
      const outside = [...this.adapterLayers(adapter)].filter((layer) => !this.layers.has(layer));
      if (outside.length > 0)
        throw new EngineError(
          `adapter ${adapter.name} changes layers ${outside.join(", ")}, which this session runs without LoRA branches; coverLayers first`,
        );
      feeds = this.buildAdapterFeeds(adapter);
      this.feedsByAdapter.set(adapter, feeds);
    }
    return feeds;
  }

  emptyCache(): KvCache {
    const { numLayers, numKvHeads, headDim } = this.pkg.manifest.config;
    return emptyKvCache(numLayers, numKvHeads, headDim);
  }

  /**
   * Feeds `tokens` after the cached ones; returns the logits of the last `keep` positions and the extended cache.
   * tokens (S,) + cache (P) → logits (keep, V), cache (P + S)
   */
  async forward(tokens: readonly number[], cache: KvCache, keep = 1): Promise<ForwardResult> {
    const S = tokens.length;
    const P = cache.length;
    if (S === 0) throw new EngineError("forward needs at least one token");
    if (keep < 1 || keep > S) throw new EngineError(`keep must be within 1..${S}, got ${keep}`);
    if (P + S > this.pkg.manifest.config.maxPositions) {
      throw new EngineError(
        `sequence of ${P + S} tokens exceeds the model's ${this.pkg.manifest.config.maxPositions} positions`,
      );
    }
    const feeds: Record<string, ort.Tensor> = {
      ...this.adapterFeeds,
      [GRAPH_INPUT.inputIds]: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [1, S]),
      [GRAPH_INPUT.attentionMask]: new ort.Tensor("int64", new BigInt64Array(P + S).fill(1n), [1, P + S]),
      [GRAPH_INPUT.logitsToKeep]: new ort.Tensor("int64", BigInt64Array.of(BigInt(keep)), [1]),
    };
    for (let layer = 0; layer < cache.keys.length; layer++) {
      feeds[pastKeyName(layer)] = cache.keys[layer]!;
      feeds[pastValueName(layer)] = cache.values[layer]!;
    }
    const out = await this.current.run(feeds);
    // new rows (1, kv, S, hd) per layer, appended to the cache's buffers (in place when it may)
    const keys = cache.keys.map((_, layer) => out[newKeyName(layer)]!);
    const values = cache.values.map((_, layer) => out[newValueName(layer)]!);
    const logits = out[GRAPH_OUTPUT.logits]!.data as Float32Array; // (1, keep, V)
    return { logits, cache: appendToCache(cache, keys, values) };
  }

  /**
   * Greedy decoding: prefill the prompt (after the cached prefix, if any), then one token per step through the
   * cache. Cancellation and the time cap are checked before the prefill and before each decode step, so a
   * cancelled or expired request pays for no further step.
   */
  async generate(prompt: readonly number[], options: GenerateOptions): Promise<GenerateResult> {
    if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) {
      throw new EngineError(`maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
    }
    const prefix = options.prefix ?? this.emptyCache();
    if (prefix.length >= prompt.length) {
      throw new EngineError(
        `a cached prefix of ${prefix.length} tokens leaves nothing of a ${prompt.length}-token prompt to feed`,
      );
    }
    const stop = new Set(options.stopTokenIds ?? this.pkg.manifest.stopTokenIds);
    const choose = tokenChooser(options.sampling);
    const tokens: number[] = [];
    const started = performance.now();
    let decodeStart = started;
    const result = (stopReason: StopReason, cache: KvCache): GenerateResult => ({
      tokens,
      stopReason,
      cache,
      reusedTokens: prefix.length,
      prefillMs: decodeStart - started,
      decodeMs: performance.now() - decodeStart,
    });
    if (options.isCancelled?.()) return { ...result("cancelled", this.emptyCache()), reusedTokens: 0 };
    if (options.isExpired?.()) return { ...result("time-limit", this.emptyCache()), reusedTokens: 0 };
    // prefill: the prompt's uncached tokens (S - P,) + cache (P) → logits of the last position (V,), cache (S)
    let { logits, cache } = await this.forward(prompt.slice(prefix.length), prefix);
    decodeStart = performance.now();
    for (;;) {
      const next = choose(
        tokens.length === 0 && options.firstTokenIds ? onlyThese(logits, options.firstTokenIds) : logits,
      );
      if (stop.has(next)) return result("stop-token", cache);
      tokens.push(next);
      options.onToken?.(next, logits);
      const textStop = options.stopAfter?.(tokens);
      if (textStop) return result(textStop, cache);
      if (tokens.length >= options.maxNewTokens) return result("max-tokens", cache);
      if (options.isCancelled?.()) return result("cancelled", cache);
      if (options.isExpired?.()) return result("time-limit", cache);
      // decode: one token (1,) + cache (P) → logits (V,), cache (P + 1)
      ({ logits, cache } = await this.forward([next], cache));
    }
  }

  async release(): Promise<void> {
    await this.current.release();
  }

  /**
   * One A/B pair per fused group (lora-targets.ts): A = the members' A side by side [in, Σr], B = their B
   * block-diagonal [Σr, Σout]. x·A·B then equals the members' x·A_i·B_i, each in its own output columns.
   */
  private buildAdapterFeeds(adapter: LoraTensors | null): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const group of this.groups) {
      const pairs = group.members.map((member) => adapter?.pairs.get(member.path));
      const rank = pairs.reduce((sum, pair) => sum + (pair?.rank ?? 0), 0);
      const inF = group.inFeatures;
      const outF = group.outFeatures;
      let a: Float32Array;
      let b: Float32Array;
      if (pairs.length === 1) {
        // a group of one is the member's own pair: no copy
        a = pairs[0]?.a ?? new Float32Array(0);
        b = pairs[0]?.b ?? new Float32Array(0);
      } else {
        a = new Float32Array(inF * rank);
        b = new Float32Array(rank * outF);
        let rankOffset = 0;
        for (const [i, pair] of pairs.entries()) {
          if (!pair || pair.rank === 0) continue;
          const r = pair.rank;
          const member = group.members[i]!;
          for (let row = 0; row < inF; row++) {
            a.set(pair.a.subarray(row * r, (row + 1) * r), row * rank + rankOffset);
          }
          for (let row = 0; row < r; row++) {
            const from = pair.b.subarray(row * member.outFeatures, (row + 1) * member.outFeatures);
            b.set(from, (rankOffset + row) * outF + member.outOffset);
          }
          rankOffset += r;
        }
      }
      feeds[group.inputA] = new ort.Tensor("float32", a, [inF, rank]);
      feeds[group.inputB] = new ort.Tensor("float32", b, [rank, outF]);
    }
    return feeds;
  }
}

/**
 * A session of the package's graph with the LoRA branches of `layers` only: the file itself when that is every
 * layer, else the edited graph from memory, its weights read from the package folder.
 */
async function openSession(
  pkg: ModelPackage,
  layers: ReadonlySet<number>,
  options: EngineOptions,
): Promise<ort.InferenceSession> {
  const base: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
  };
  const keep = groupsOnLayers(pkg.lora.groups, layers);
  if (keep.length === pkg.lora.groups.length) return ort.InferenceSession.create(pkg.modelPath, base);
  const graph = withLoraBranchesOnly(readFileSync(pkg.modelPath), pkg.lora.groups, keep);
  return ort.InferenceSession.create(graph, {
    ...base,
    // a graph from memory has no folder: its external data is the package's
    extra: { session: { model_external_initializers_file_folder_path: dirname(pkg.modelPath) } },
  });
}
