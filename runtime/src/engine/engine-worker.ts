/**
 * The engine's worker thread: owns the DecoderEngine (one session, one base model) and the loaded adapters,
 * handles EngineRequests one at a time, and streams tokens back as they are chosen.
 */
import { parentPort } from "node:worker_threads";
import { type LoraTensors, loraTensorBytes } from "../adapter/lora-tensors.ts";
import { loadPeftAdapter } from "../adapter/peft-adapter.ts";
import { stackAdapters } from "../adapter/stack.ts";
import { EngineError, RuntimeError } from "../errors.ts";
import { openModelPackage } from "../model/package.ts";
import { DecoderEngine } from "./decoder-engine.ts";
import type {
  EngineRequest,
  EngineResponse,
  GenerateWorkerResult,
  LoadAdapterResult,
  OpenResult,
  WeightedAdapterKey,
} from "./worker-protocol.ts";

if (!parentPort) throw new Error("engine-worker.ts must run in a worker thread (use EngineClient)");
const port = parentPort;

let engine: DecoderEngine | null = null;
const adapters = new Map<string, LoraTensors>();
/** The keys behind the engine's current adapter (one, or a stack). */
let activeKeys: string[] = [];

function requireEngine(): DecoderEngine {
  if (!engine) throw new EngineError("the engine is not open; call open first");
  return engine;
}

function resolveAdapters(list: WeightedAdapterKey[]): LoraTensors | null {
  if (list.length === 0) return null;
  const parts = list.map(({ key, weight }) => {
    const adapter = adapters.get(key);
    if (!adapter) throw new EngineError(`adapter "${key}" is not loaded; call loadAdapter first`);
    return { adapter, weight };
  });
  // One adapter at weight 1 is fed as is; anything else is stacked (exact, and costs one rank-Σr branch).
  return parts.length === 1 && parts[0]!.weight === 1 ? parts[0]!.adapter : stackAdapters(parts);
}

async function handle(request: EngineRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (request.method) {
    case "open": {
      if (engine) throw new EngineError("the engine is already open");
      engine = await DecoderEngine.create(openModelPackage(request.packageDir), request.options);
      return { result: { manifest: engine.pkg.manifest } satisfies OpenResult };
    }
    case "loadAdapter": {
      const adapter = loadPeftAdapter(request.dir, requireEngine().pkg.lora);
      adapters.set(request.key, adapter);
      const result: LoadAdapterResult = {
        key: request.key,
        bytes: loraTensorBytes(adapter),
        coveredTargets: adapter.pairs.size,
      };
      return { result };
    }
    case "dropAdapter": {
      if (activeKeys.includes(request.key)) {
        requireEngine().setAdapter(null);
        activeKeys = [];
      }
      adapters.delete(request.key);
      return { result: null };
    }
    case "setAdapters": {
      requireEngine().setAdapter(resolveAdapters(request.adapters));
      activeKeys = request.adapters.map((a) => a.key);
      return { result: null };
    }
    case "generate": {
      const flag = new Int32Array(request.cancelFlag);
      const logits: Float32Array[] = [];
      const { tokens, stopReason } = await requireEngine().generate(request.prompt, {
        maxNewTokens: request.maxNewTokens,
        ...(request.stopTokenIds ? { stopTokenIds: request.stopTokenIds } : {}),
        isCancelled: () => Atomics.load(flag, 0) !== 0,
        onToken: (token, stepLogits) => {
          if (request.returnLogits) logits.push(stepLogits.slice());
          port.postMessage({ id: request.id, event: "token", token } satisfies EngineResponse);
        },
      });
      const result: GenerateWorkerResult = {
        tokens,
        stopReason,
        ...(request.returnLogits ? { logits } : {}),
      };
      return { result, transfer: logits.map((l) => l.buffer as ArrayBuffer) };
    }
    case "close": {
      await engine?.release();
      engine = null;
      adapters.clear();
      activeKeys = [];
      return { result: null };
    }
  }
}

// One request at a time, in arrival order (cancellation goes through the shared flag, not the queue).
let queue: Promise<void> = Promise.resolve();
port.on("message", (request: EngineRequest) => {
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
    }
  });
});
