/**
 * The thin async face of the engine: runs DecoderEngine in a worker thread so `session.run` never blocks the
 * caller's event loop. Adapters are loaded from disk inside the worker (their tensors never cross threads).
 */
import { Worker } from "node:worker_threads";
import type { CompletionStopSpec } from "../complete/stop-rules.ts";
import { RuntimeError } from "../errors.ts";
import type { ModelPackageManifest } from "../model/manifest.ts";
import { compiledBundle } from "../util/package-root.ts";
import { disableOrtTelemetry } from "./ort-telemetry.ts";
import type { Sampling } from "./sampling.ts";
import type {
  EngineInfo,
  EngineRequest,
  EngineResponse,
  GenerateWorkerResult,
  LoadAdapterResult,
  OpenResult,
  WeightedAdapterKey,
  WorkerOptions,
} from "./worker-protocol.ts";

/**
 * The worker's script: beside the compiled CLI, its own bundle (dist/engine-worker.mjs); from the sources, the
 * entry that registers the TypeScript loader first.
 */
function workerEntry(): URL {
  return compiledBundle()
    ? new URL("./engine-worker.mjs", import.meta.url)
    : new URL("./engine-worker-entry.mjs", import.meta.url);
}

type RequestBody = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export interface ClientGenerateOptions {
  maxNewTokens: number;
  stopTokenIds?: number[];
  signal?: AbortSignal;
  onToken?: (token: number) => void;
  /** Also return the logits behind each token (tests, debugging). */
  returnLogits?: boolean;
  /** Switch to these adapters first ([] = base model); default: keep the current ones. */
  adapters?: WeightedAdapterKey[];
  /** Reuse and keep the prompt KV cache under this key (one per workspace). */
  cacheKey?: string;
  /** Text stop rules (end of line / block), applied in the worker after each token. */
  stop?: CompletionStopSpec;
  /** Temperature / top-p sampling; greedy when absent. */
  sampling?: Sampling;
  /** Time cap in ms, counted from when the worker starts this generation; absent: none. */
  timeoutMs?: number;
  /** Token healing: the first token must be one of these. */
  firstTokenIds?: number[];
  /** With timeoutMs: a short prompt the worker answers from when the prompt would not fit (cold-fallback.ts). */
  fallback?: { prompt: number[]; stop?: CompletionStopSpec };
}

export class EngineClient {
  private constructor(
    private readonly channel: WorkerChannel,
    readonly manifest: ModelPackageManifest,
  ) {}

  /** Starts a worker and opens the model package in it. */
  static async start(packageDir: string, options: WorkerOptions = {}): Promise<EngineClient> {
    disableOrtTelemetry();
    const channel = new WorkerChannel(new Worker(workerEntry()));
    try {
      const { manifest } = (await channel.call({ method: "open", packageDir, options })) as OpenResult;
      return new EngineClient(channel, manifest);
    } catch (error) {
      await channel.terminate();
      throw error;
    }
  }

  loadAdapter(key: string, dir: string): Promise<LoadAdapterResult> {
    return this.channel.call({ method: "loadAdapter", key, dir }) as Promise<LoadAdapterResult>;
  }

  async dropAdapter(key: string): Promise<void> {
    await this.channel.call({ method: "dropAdapter", key });
  }

  /** [] = base model only; several = stacked, each scaled by its weight. */
  async setAdapters(adapters: WeightedAdapterKey[]): Promise<void> {
    await this.channel.call({ method: "setAdapters", adapters });
  }

  /** Greedy generation in the worker; tokens stream to onToken; an aborted signal stops it before the next step. */
  async generate(prompt: number[], options: ClientGenerateOptions): Promise<GenerateWorkerResult> {
    const cancelFlag = new SharedArrayBuffer(4);
    const cancel = () => Atomics.store(new Int32Array(cancelFlag), 0, 1);
    if (options.signal?.aborted) cancel();
    options.signal?.addEventListener("abort", cancel, { once: true });
    try {
      const request: RequestBody = {
        method: "generate",
        prompt,
        maxNewTokens: options.maxNewTokens,
        ...(options.stopTokenIds ? { stopTokenIds: options.stopTokenIds } : {}),
        returnLogits: options.returnLogits ?? false,
        cancelFlag,
        ...(options.adapters ? { adapters: options.adapters } : {}),
        ...(options.cacheKey !== undefined ? { cacheKey: options.cacheKey } : {}),
        ...(options.stop ? { stop: options.stop } : {}),
        ...(options.sampling ? { sampling: options.sampling } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.firstTokenIds ? { firstTokenIds: options.firstTokenIds } : {}),
        ...(options.fallback ? { fallback: options.fallback } : {}),
      };
      return (await this.channel.call(request, options.onToken)) as GenerateWorkerResult;
    } finally {
      options.signal?.removeEventListener("abort", cancel);
    }
  }

  /** Sessions created, active adapters, prompt caches: what the worker holds now. */
  info(): Promise<EngineInfo> {
    return this.channel.call({ method: "info" }) as Promise<EngineInfo>;
  }

  /**
   * Calls `listener` once if the worker dies without close() — it exited or crashed; everything pending was
   * rejected with the same error, and every later call rejects with it.
   */
  onDeath(listener: (error: Error) => void): void {
    this.channel.onDeath = listener;
    if (this.channel.deathError) listener(this.channel.deathError);
  }

  /** Releases the session and stops the worker. */
  async close(): Promise<void> {
    this.channel.closing = true;
    await this.channel.call({ method: "close" }).catch(() => undefined);
    await this.channel.terminate();
  }
}

/** Request/response matching over a worker's message port; a dead worker rejects everything pending. */
class WorkerChannel {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; onToken?: (token: number) => void }
  >();
  private dead: Error | null = null;
  /** Set by close(): the exit that follows is asked for, not a death. */
  closing = false;
  deathError: Error | null = null;
  onDeath: ((error: Error) => void) | null = null;

  constructor(private readonly worker: Worker) {
    worker.on("message", (message: EngineResponse) => this.receive(message));
    worker.on("error", (error) =>
      this.fail(new RuntimeError("engine-crashed", `engine worker failed: ${error.message}`)),
    );
    worker.on("exit", (code) =>
      this.fail(new RuntimeError("engine-exited", `engine worker exited with code ${code}`)),
    );
  }

  call(body: RequestBody, onToken?: (token: number) => void): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onToken ? { onToken } : {}) });
      this.worker.postMessage({ ...body, id } as EngineRequest);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private receive(message: EngineResponse): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if ("event" in message) {
      pending.onToken?.(message.token);
      return;
    }
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else {
      const error = new RuntimeError(message.error.code, message.error.message);
      error.name = message.error.name;
      pending.reject(error);
    }
  }

  private fail(error: Error): void {
    if (this.dead) return; // an "error" event is followed by "exit": the first says why
    this.dead = error;
    if (!this.closing) {
      this.deathError = error;
      this.onDeath?.(error);
    }
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
