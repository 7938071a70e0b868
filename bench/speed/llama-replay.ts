/**
 * The llama.cpp side of the typing replay: the same prompt token ids the runtime built, through node-llama-cpp
 * with the same weights as GGUF, reusing the KV state of the longest common token prefix of the previous
 * request as the runtime's prompt cache does, and decoding as many tokens as the runtime's answer had. Same
 * work on both engines, so the per-keystroke times pair up.
 */
import { commonPrefixLength } from "../../runtime/src/engine/kv-cache.ts";
import type { LlamaSequence } from "./node-llama.ts";
import { loadLlamaModel } from "./node-llama.ts";

export interface LlamaTimed {
  /** Prompt tokens taken from the sequence's KV state rather than computed. */
  reused: number;
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
}

export class LlamaReplayer {
  private constructor(private readonly sequence: LlamaSequence) {}

  static async open(options: {
    dir: string;
    gguf: string;
    lora: string | null;
    threads: number;
  }): Promise<LlamaReplayer> {
    const model = await loadLlamaModel(options.dir, options.gguf);
    const context = await model.createContext({
      contextSize: 4096,
      batchSize: 512,
      threads: options.threads,
      ...(options.lora ? { lora: { adapters: [{ filePath: options.lora, scale: 1 }] } } : {}),
    });
    return new LlamaReplayer(context.getSequence());
  }

  /** Prefill `prompt` after its cached common prefix, then produce `tokens` tokens (≥ 1) greedily. */
  async complete(prompt: readonly number[], tokens: number): Promise<LlamaTimed> {
    const started = performance.now();
    const cached = this.sequence.contextTokens;
    // At least one prompt token is fed: its logits choose the first new token.
    const reused = Math.min(commonPrefixLength(cached, prompt), prompt.length - 1);
    if (reused < this.sequence.nextTokenIndex)
      await this.sequence.eraseContextTokenRanges([{ start: reused, end: this.sequence.nextTokenIndex }]);
    let prefillEnd = started;
    let produced = 0;
    // The generator yields the first token after the prefill, then one per decode step (end-of-text tokens
    // too, so the count is the runtime's); breaking after the last wanted token leaves it unfed, as the runtime
    // leaves its last token.
    const tokensOut = this.sequence.evaluate(prompt.slice(reused), { temperature: 0, yieldEogToken: true });
    for await (const _ of tokensOut) {
      if (produced === 0) prefillEnd = performance.now();
      produced += 1;
      if (produced >= Math.max(1, tokens)) break;
    }
    const end = performance.now();
    return { reused, prefillMs: prefillEnd - started, decodeMs: end - prefillEnd, totalMs: end - started };
  }
}
