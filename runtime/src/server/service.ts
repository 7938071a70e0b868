/**
 * The runtime's methods, independent of transport: the JSON-RPC server (server.ts) and the CLI's `complete`
 * both drive this class. One base model in one engine worker; adapters cached by bytes; per-workspace adapter
 * bindings (switching = feeding other tensors); completions queued one at a time.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readBundleTemplate } from "../adapter/bundle-template.ts";
import { stopSpecFor } from "../complete/stop-rules.ts";
import { trimTimedOut } from "../complete/time-limit.ts";
import { EngineClient } from "../engine/engine-client.ts";
import type { EngineInfo, GenerateWorkerResult } from "../engine/worker-protocol.ts";
import { DEFAULT_ADAPTER_KEY, findShippedDefaultAdapter } from "../model/default-adapter.ts";
import { type ModelPackage, openModelPackage } from "../model/package.ts";
import { tokenId } from "../model/special-tokens.ts";
import { loadTokenizer, type TextTokenizer } from "../model/tokenizer.ts";
import { DEFAULT_BUDGET, finishCompletion } from "../prompt/index.ts";
import { type Methods, PROTOCOL_VERSION, type WeightedAdapter } from "../protocol/index.ts";
import { AdapterCache } from "./adapter-cache.ts";
import { CancelledError, CompletionQueue, type JobId } from "./completion-queue.ts";
import { toRpcError } from "./errors.ts";
import { badRequest, serverError } from "./jsonrpc.ts";
import { completeLimitViolation } from "./limits.ts";
import type { Logger } from "./log.ts";
import { requestPrompt } from "./request-prompt.ts";
import { ServingTemplates } from "./serving-template.ts";
import { type TypingAnchors, typingAnchorsFor } from "./typing-anchor.ts";

export const SERVER_VERSION = "0.1.0";
export const DEFAULT_MAX_ADAPTER_BYTES = 512 * 1024 * 1024;
/** Completion tokens when a request gives no maxTokens. */
export const DEFAULT_MAX_TOKENS = { singleLine: 64, multiline: 256 } as const;
/**
 * Prompt budget of the short prompt answered at a cold place under a time cap (engine/cold-fallback.ts): its
 * prefill takes ~0.5 s for the 0.5B model on 2 cores (docs/decisions/2026-12-06-cold-fallback.md).
 */
export const SHORT_PROMPT_TOKENS = 160;
/** Room always left for the completion when the prompt budget is clamped to the model's positions. */
const MIN_COMPLETION_ROOM = 64;

type Params<M extends keyof Methods> = Methods[M]["params"];
type Result<M extends keyof Methods> = Methods[M]["result"];

export interface ServiceOptions {
  log: Logger;
  /** Prompt KV caches kept in the engine, one per workspace (0 disables prefix reuse). */
  promptCaches?: number;
  /**
   * Keep each document's prompt while the user types and append the typed text to it, its last token healed
   * (./typing-anchor.ts), instead of re-processing the suffix on each keystroke. Default on; held-out NLL as
   * good as the typed text in the prefix (docs/decisions/2026-12-05-typing-anchor.md).
   */
  typingAnchor?: boolean;
  /**
   * Under a time cap, answer a cold place from a short prompt when the worker's measured prefill speed says the
   * full one would not fit (../engine/cold-fallback.ts). Default on.
   */
  shortPrompt?: boolean;
  /**
   * Told once when the initialized engine's worker dies (exit or crash). Its running and waiting completions
   * are already rejected with `error`; nothing will work again in this process.
   */
  onEngineDeath?: (error: Error) => void;
}

interface Ready {
  packageDir: string;
  pkg: ModelPackage;
  engine: EngineClient;
  tokenizer: TextTokenizer;
  /** The prompt template of each adapter; a workspace is served with its adapters' template. */
  templates: ServingTemplates;
  maxPromptTokens: number;
  adapters: AdapterCache;
  /** What a workspace without adapters of its own completes with: the default adapter, or [] (raw base). */
  defaults: WeightedAdapter[];
  /** The prompt each document's run of typing started with; null when the option is off. */
  anchors: TypingAnchors | null;
}

type DefaultAdapterState = Result<"initialize">["defaultAdapter"];

export class RuntimeService {
  private ready: Ready | null = null;
  private preloaded: {
    packageDir: string;
    threads: number | undefined;
    engine: Promise<EngineClient>;
  } | null = null;
  private readonly workspaces = new Map<string, WeightedAdapter[]>();
  private readonly queue = new CompletionQueue<GenerateWorkerResult>();
  private counters = { requests: 0, cancelled: 0, lastLatencyMs: null as number | null };

  constructor(private readonly options: ServiceOptions) {}

  /** Starts the engine before `initialize` (`repolora serve --model`), so initialize finds it warm. */
  preload(packageDir: string, threads?: number): void {
    const dir = resolve(packageDir);
    const engine = EngineClient.start(dir, this.engineOptions(threads));
    engine.catch(() => undefined); // reported by initialize
    this.preloaded = { packageDir: dir, threads, engine };
  }

  async initialize(params: Params<"initialize">): Promise<Result<"initialize">> {
    if (params.protocolVersion !== PROTOCOL_VERSION) {
      throw serverError(
        "PROTOCOL_MISMATCH",
        `client speaks protocol ${params.protocolVersion}, this server ${PROTOCOL_VERSION}; update the extension and the runtime together`,
      );
    }
    if (this.ready)
      throw badRequest(
        `already initialized with ${this.ready.packageDir}; start another server for another model`,
      );
    const packageDir = resolve(params.modelPackage || this.preloaded?.packageDir || "");
    if (!params.modelPackage && !this.preloaded)
      throw badRequest("initialize: modelPackage is required (the server was started without --model)");
    let engine: EngineClient;
    let pkg: ModelPackage;
    let tokenizer: TextTokenizer;
    try {
      pkg = openModelPackage(packageDir);
      tokenizer = loadTokenizer(pkg);
      engine = await this.takeEngine(packageDir, params.threads);
    } catch (error) {
      throw toRpcError(error, "MODEL_LOAD_FAILED");
    }
    const { manifest } = pkg;
    if (manifest.fimTemplate === null) {
      await engine.close();
      throw serverError(
        "MODEL_LOAD_FAILED",
        `${packageDir}: the model has no FIM template (its tokenizer has no FIM tokens); prepare it again with --fim-template <id>`,
      );
    }
    const maxPromptTokens = Math.min(
      params.maxPromptTokens ?? DEFAULT_BUDGET.maxTokens,
      manifest.config.maxPositions - MIN_COMPLETION_ROOM,
    );
    if (maxPromptTokens < 32) {
      await engine.close();
      throw serverError(
        "MODEL_LOAD_FAILED",
        `${packageDir}: ${manifest.config.maxPositions} positions leave no room for a prompt`,
      );
    }
    this.ready = {
      packageDir,
      pkg,
      engine,
      tokenizer,
      templates: new ServingTemplates(manifest.fimTemplate, markerLookup(pkg)),
      maxPromptTokens,
      adapters: new AdapterCache(
        params.maxAdapterBytes ?? DEFAULT_MAX_ADAPTER_BYTES,
        (key) => key === DEFAULT_ADAPTER_KEY || this.isBound(key),
      ),
      defaults: [],
      anchors: this.options.typingAnchor === false ? null : typingAnchorsFor(pkg, tokenizer),
    };
    engine.onDeath((error) => {
      this.queue.failWaiting(error);
      this.options.onEngineDeath?.(error);
    });
    this.options.log(
      "info",
      `initialized ${manifest.baseModel.id} (${manifest.precision}) from ${packageDir}; prompt budget ${maxPromptTokens} tokens`,
    );
    const dir = params.defaultAdapter === undefined ? findShippedDefaultAdapter() : params.defaultAdapter;
    return {
      protocolVersion: PROTOCOL_VERSION,
      serverVersion: SERVER_VERSION,
      model: {
        id: manifest.baseModel.id,
        fimTemplate: manifest.fimTemplate,
        vocabSize: manifest.config.vocabSize,
      },
      defaultAdapter: dir === null ? null : await this.loadDefaultAdapter(this.ready, dir),
    };
  }

  /**
   * Loads the default completion system's adapter. A missing, corrupt or mismatched one (other base weights,
   * wrong shapes, non-finite weights) is refused with a warning: completions then come from the raw base.
   */
  private async loadDefaultAdapter(ready: Ready, dir: string): Promise<DefaultAdapterState> {
    try {
      const template = ready.templates.check(resolve(dir), readBundleTemplate(resolve(dir)));
      const loaded = await ready.engine.loadAdapter(DEFAULT_ADAPTER_KEY, resolve(dir));
      ready.adapters.add({ key: DEFAULT_ADAPTER_KEY, dir: resolve(dir), bytes: loaded.bytes });
      ready.templates.set(DEFAULT_ADAPTER_KEY, template);
      ready.defaults = [{ key: DEFAULT_ADAPTER_KEY, weight: 1 }];
      this.options.log(
        "info",
        `default adapter ${dir} in use (${loaded.coveredTargets} targets, prompt template ${template})`,
      );
      return { dir, active: true };
    } catch (error) {
      const problem = (error as Error).message;
      this.options.log("warn", `default adapter refused, completing with the raw base model: ${problem}`);
      return { dir, active: false, problem };
    }
  }

  async loadAdapter(params: Params<"loadAdapter">): Promise<Result<"loadAdapter">> {
    const ready = this.requireReady();
    if (params.key === DEFAULT_ADAPTER_KEY)
      throw badRequest(`loadAdapter: the key ${DEFAULT_ADAPTER_KEY} is reserved for the default adapter`);
    let loaded: Awaited<ReturnType<EngineClient["loadAdapter"]>>;
    let template: ReturnType<ServingTemplates["check"]>;
    try {
      // Read and checked first: an adapter whose prompts this model cannot render is never loaded.
      template = ready.templates.check(resolve(params.dir), readBundleTemplate(resolve(params.dir)));
      loaded = await ready.engine.loadAdapter(params.key, resolve(params.dir));
    } catch (error) {
      throw toRpcError(error, "ADAPTER_MISMATCH");
    }
    ready.templates.set(params.key, template);
    const evicted = ready.adapters.add({ key: params.key, dir: resolve(params.dir), bytes: loaded.bytes });
    for (const key of evicted) {
      ready.templates.delete(key);
      await ready.engine.dropAdapter(key);
      this.options.log("info", `evicted adapter ${key} (cache over ${ready.adapters.maxBytes} bytes)`);
    }
    if (ready.adapters.totalBytes > ready.adapters.maxBytes) {
      this.options.log(
        "warn",
        `adapters in use take ${ready.adapters.totalBytes} bytes, over the ${ready.adapters.maxBytes}-byte bound; none of them can be evicted`,
      );
    }
    this.options.log(
      "info",
      `loaded adapter ${params.key} from ${params.dir} (${loaded.bytes} bytes, ${loaded.coveredTargets} targets, prompt template ${template})`,
    );
    return loaded;
  }

  setWorkspaceAdapters(params: Params<"setWorkspaceAdapters">): Result<"setWorkspaceAdapters"> {
    const ready = this.requireReady();
    const missing = params.adapters.filter((a) => !ready.adapters.has(a.key)).map((a) => a.key);
    if (missing.length > 0) {
      throw serverError(
        "ADAPTER_NOT_FOUND",
        `adapter(s) ${missing.join(", ")} not loaded (or evicted); call loadAdapter first`,
      );
    }
    const adapters = params.adapters.map(({ key, weight }) => ({ key, weight }));
    try {
      ready.templates.forStack(adapters.map((a) => a.key));
    } catch (error) {
      throw toRpcError(error, "ADAPTER_MISMATCH");
    }
    this.workspaces.set(params.workspace, adapters);
    ready.adapters.touch(adapters.map((a) => a.key));
    return { workspace: params.workspace, adapters };
  }

  async complete(id: JobId, params: Params<"complete">): Promise<Result<"complete">> {
    const received = performance.now();
    const ready = this.requireReady();
    const violation = completeLimitViolation(params);
    if (violation) throw badRequest(`complete: ${violation}; send less (the prompt uses ~1k tokens of it)`);
    const replaced = this.queue.cancelDocument(params.documentUri, `replaced by request ${id}`);
    if (replaced.length > 0)
      this.options.log("debug", `request ${id} replaces ${replaced.join(", ")} for ${params.documentUri}`);
    const own = this.workspaces.get(params.workspace) ?? [];
    const adapters = own.length > 0 ? own : ready.defaults;
    const template = this.templateFor(adapters);
    const build = () => requestPrompt(params, template, ready.tokenizer, ready.maxPromptTokens);
    const { prompt, typed, healing } = ready.anchors
      ? ready.anchors.prompt(params, template, ready.maxPromptTokens, build)
      : { prompt: build(), typed: null, healing: null };
    const room = ready.pkg.manifest.config.maxPositions - prompt.ids.length;
    const requested =
      params.maxTokens ?? (params.multiline ? DEFAULT_MAX_TOKENS.multiline : DEFAULT_MAX_TOKENS.singleLine);
    const maxNewTokens = Math.min(requested, room);
    if (maxNewTokens < 1)
      throw badRequest(
        `the prompt takes ${prompt.ids.length} of the model's ${ready.pkg.manifest.config.maxPositions} positions`,
      );
    // The cursor line and the suffix come from the request itself (the budget may have cut the prompt's).
    const plainStop = stopSpecFor(params.prefix, params.suffix, params.multiline, template.stop);
    const stop = { ...plainStop, ...(healing ? { healed: healing.fragment } : {}) };
    // Under a time cap, a short prompt the worker answers from if this one's uncached part would not fit it.
    const fallback =
      this.options.shortPrompt !== false &&
      params.timeoutMs !== undefined &&
      ready.maxPromptTokens > SHORT_PROMPT_TOKENS
        ? {
            prompt: requestPrompt({ ...params, context: [] }, template, ready.tokenizer, SHORT_PROMPT_TOKENS)
              .ids,
            stop: plainStop,
          }
        : null;
    this.counters.requests += 1;
    const queued = performance.now();
    let started = queued;
    let out: GenerateWorkerResult;
    try {
      out = await this.queue.enqueue(id, params.documentUri, (signal) => {
        started = performance.now();
        ready.adapters.touch(adapters.map((a) => a.key));
        // The cap counts from arrival: what was spent building the prompt and waiting is gone.
        const timeoutMs =
          params.timeoutMs === undefined ? undefined : Math.max(0, params.timeoutMs - (started - received));
        return ready.engine.generate(prompt.ids, {
          maxNewTokens,
          adapters,
          cacheKey: params.workspace,
          stop,
          signal,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          ...(healing ? { firstTokenIds: healing.firstTokenIds } : {}),
          ...(fallback ? { fallback } : {}),
          ...(params.temperature !== undefined && params.temperature > 0
            ? {
                sampling: { temperature: params.temperature, topP: params.topP ?? 1, seed: params.seed ?? 0 },
              }
            : {}),
        });
      });
    } catch (error) {
      if (error instanceof CancelledError) {
        this.counters.cancelled += 1;
        throw serverError("CANCELLED", `request ${id} was cancelled before it started (${error.message})`);
      }
      throw toRpcError(error);
    }
    if (out.stopReason === "cancelled") this.counters.cancelled += 1;
    const totalMs = performance.now() - received;
    this.counters.lastLatencyMs = totalMs;
    const decoded = out.text ?? "";
    const text = out.stopReason === "time-limit" ? trimTimedOut(decoded, params.multiline) : decoded;
    const result: Result<"complete"> = {
      text: finishCompletion(text, params.suffix, params.multiline),
      stopReason: out.stopReason,
      completionTokens: out.tokens.length,
      promptTokens: out.fallbackUsed && fallback ? fallback.prompt.length : prompt.ids.length,
      reusedPromptTokens: out.reusedTokens,
      ...(out.fallbackUsed ? { shortPrompt: true } : {}),
      adapters,
      timings: { queueMs: started - queued, prefillMs: out.prefillMs, decodeMs: out.decodeMs, totalMs },
    };
    this.options.log(
      "debug",
      `complete ${id} ${params.workspace} ${result.stopReason}: ${result.completionTokens} tokens, ${out.fallbackUsed ? "short " : ""}prompt ${result.promptTokens} (${result.reusedPromptTokens} reused${typed === null ? "" : `, anchored + ${typed} typed chars${healing ? `, healed ${JSON.stringify(healing.fragment)}` : ""}`}), ${totalMs.toFixed(0)} ms`,
    );
    return result;
  }

  /** Counts a completion cancelled before it was admitted (the server refused it on arrival). */
  countCancelled(): void {
    this.counters.cancelled += 1;
  }

  /** Cancels a waiting or running completion; false for an unknown id (it may have finished). */
  cancel(id: JobId): boolean {
    const found = this.queue.cancel(id);
    if (found) this.options.log("debug", `cancelled request ${id}`);
    return found;
  }

  stats(): Result<"stats"> {
    const adapters = this.requireReady()
      .adapters.list()
      .map(({ key, bytes }) => ({ key, bytes }));
    return {
      adapters,
      adapterCacheBytes: adapters.reduce((sum, a) => sum + a.bytes, 0),
      requests: this.counters.requests,
      cancelled: this.counters.cancelled,
      lastLatencyMs: this.counters.lastLatencyMs,
    };
  }

  /**
   * The prompt template a workspace's completions use: its adapters' (the default adapter's when it has
   * none of its own). Throws when its adapters disagree (one was reloaded with another template after binding).
   */
  templateFor(adapters: readonly WeightedAdapter[]) {
    try {
      return this.requireReady().templates.forStack(adapters.map((a) => a.key));
    } catch (error) {
      throw toRpcError(error, "ADAPTER_MISMATCH");
    }
  }

  /** The template id `complete` uses for `workspace` now (tests, debugging). */
  workspaceTemplate(workspace: string): string {
    const own = this.workspaces.get(workspace) ?? [];
    return this.templateFor(own.length > 0 ? own : this.requireReady().defaults).id;
  }

  /** What the engine worker holds (tests, debugging): sessions created, active adapters, prompt caches. */
  engineInfo(): Promise<EngineInfo> {
    return this.requireReady().engine.info();
  }

  /** Cancels waiting completions and stops the running one (shutdown); resolves when none runs. */
  async drain(): Promise<void> {
    await this.queue.drain("the server is shutting down");
  }

  async shutdown(): Promise<void> {
    await this.drain();
    const engines = [this.ready?.engine, await this.preloaded?.engine.catch(() => undefined)];
    this.ready = null;
    this.preloaded = null;
    for (const engine of new Set(engines)) await engine?.close();
  }

  private async takeEngine(packageDir: string, threads: number | undefined): Promise<EngineClient> {
    const preloaded = this.preloaded;
    this.preloaded = null;
    if (
      preloaded &&
      preloaded.packageDir === packageDir &&
      (threads === undefined || threads === preloaded.threads)
    ) {
      return preloaded.engine;
    }
    if (preloaded) {
      this.options.log(
        "info",
        `initialize asks for ${packageDir} (threads ${threads ?? "default"}); closing the preloaded ${preloaded.packageDir}`,
      );
      await (await preloaded.engine.catch(() => null))?.close();
    }
    return EngineClient.start(packageDir, this.engineOptions(threads));
  }

  private engineOptions(threads: number | undefined) {
    return {
      ...(threads ? { intraOpNumThreads: threads } : {}),
      ...(this.options.promptCaches !== undefined ? { promptCaches: this.options.promptCaches } : {}),
    };
  }

  private isBound(key: string): boolean {
    for (const adapters of this.workspaces.values()) if (adapters.some((a) => a.key === key)) return true;
    return false;
  }

  private requireReady(): Ready {
    if (!this.ready) throw serverError("NOT_INITIALIZED", "call initialize first");
    return this.ready;
  }
}

/** Whether the package's tokenizer has a marker as a token; tokenizer.json is read on the first question only. */
function markerLookup(pkg: ModelPackage): (marker: string) => boolean {
  let json: Parameters<typeof tokenId>[0] | null = null;
  return (marker) => {
    json ??= JSON.parse(readFileSync(pkg.tokenizerPath, "utf8")) as Parameters<typeof tokenId>[0];
    return tokenId(json, marker) !== undefined;
  };
}
