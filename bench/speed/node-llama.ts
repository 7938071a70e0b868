/**
 * The part of node-llama-cpp's API the speed benchmarks use. node-llama-cpp is not a project dependency: it is
 * installed outside the project, registry only (see bench/speed/runtime-speed.ts), and loaded from that folder
 * with its prebuilt CPU binary (no build, no download).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export interface LlamaSequence {
  readonly contextTokens: number[];
  readonly nextTokenIndex: number;
  evaluateWithoutGeneratingNewTokens(tokens: number[]): Promise<void>;
  evaluate(
    tokens: number[],
    options: { temperature: number; yieldEogToken?: boolean },
  ): AsyncGenerator<number>;
  eraseContextTokenRanges(ranges: Array<{ start: number; end: number }>): Promise<void>;
  clearHistory(): Promise<void>;
}

export interface LlamaContextOptions {
  contextSize: number;
  batchSize: number;
  threads: number;
  lora?: { adapters: Array<{ filePath: string; scale: number }> };
}

export interface LlamaModel {
  createContext(options: LlamaContextOptions): Promise<{ getSequence(): LlamaSequence }>;
}

interface LlamaModule {
  getLlama(options: { gpu: false; build: "never"; logLevel?: string }): Promise<{
    loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  }>;
}

/** Loads `gguf` with the node-llama-cpp installed in `dir` (CPU only, its prebuilt binary). */
export async function loadLlamaModel(dir: string, gguf: string): Promise<LlamaModel> {
  const entry = pathToFileURL(join(dir, "node_modules", "node-llama-cpp", "dist", "index.js")).href;
  const { getLlama } = (await import(entry)) as LlamaModule;
  const runtime = await getLlama({ gpu: false, build: "never", logLevel: "error" });
  return runtime.loadModel({ modelPath: gguf });
}
