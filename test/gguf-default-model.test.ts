/**
 * The real default model: what Node makes of the GGUF equals what the Python path (transformers,
 * generator/trainer/tools/gguf_to_hf.py) made of it — the tokenizer (structurally, and by encoding code, unicode
 * and special tokens) and the bf16 weights (the sha256 of the safetensors file they would make). Runs where the
 * GGUF and the converted folder are in the models folder (after `repolora model prepare` on a machine with the
 * trainer's venv); skipped elsewhere, with the reason.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Tokenizer } from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";
import { DEFAULT_GGUF_FILE } from "../runtime/src/model/default-model-fetch.ts";
import { GgufFile } from "../runtime/src/model/gguf/read.ts";
import { tokenizerConfigJson, tokenizerJson } from "../runtime/src/model/gguf/tokenizer.ts";
import { GgufWeights } from "../runtime/src/model/gguf/weights.ts";
import { HfWeights } from "../runtime/src/model/hf-weights.ts";
import { DEFAULT_BASE_FOLDER, modelsHome } from "../runtime/src/protocol/default-model.ts";

const models = modelsHome(process.env, homedir());
const ggufPath = join(models, DEFAULT_GGUF_FILE);
const folder = join(models, DEFAULT_BASE_FOLDER);
const present = existsSync(ggufPath) && existsSync(join(folder, "tokenizer.json"));
if (!present) console.warn(`default-model GGUF parity skipped: needs ${ggufPath} and ${folder}`);

const SAMPLES = [
  "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
  "<|fim_prefix|>const x = <|fim_suffix|>;\n<|fim_middle|>",
  "<|repo_name|>repolora\n<|file_sep|>src/a.ts\nexport {};<|endoftext|>",
  "<tool_call>{}</tool_call><|im_start|>user\nhi<|im_end|>",
  "naïve café — 日本語のテキスト, 中文, emoji 🦀🚀, ZWJ 👩‍💻",
  "\t\tif (a &&b||c) {\r\n\t\t\treturn [x, `y`];\r\n}\n\n\n   ",
  "I'm sure they'll've LOUD'S 12345678 3.14159 0x1F",
  "    ".repeat(10),
  "[PAD151935] <|fim_pad|> <|box_start|>",
];

describe.skipIf(!present)("the default model's GGUF, read by Node, vs transformers' conversion", () => {
  it("builds the same tokenizer", () => {
    const file = GgufFile.open(ggufPath);
    try {
      const ours = tokenizerJson(file);
      const reference = JSON.parse(readFileSync(join(folder, "tokenizer.json"), "utf8")) as Record<
        string,
        unknown
      >;
      for (const key of new Set([...Object.keys(ours), ...Object.keys(reference)]))
        expect(isDeepStrictEqual(ours[key], reference[key]), key).toBe(true);
      const referenceConfig = JSON.parse(readFileSync(join(folder, "tokenizer_config.json"), "utf8"));
      const ourConfig = tokenizerConfigJson(file);
      for (const key of ["bos_token", "eos_token", "pad_token"])
        expect(ourConfig[key]).toBe(referenceConfig[key]);
      const a = new Tokenizer(ours, ourConfig);
      const b = new Tokenizer(reference, referenceConfig);
      for (const text of SAMPLES) {
        const ids = a.encode(text).ids;
        expect(ids, text).toEqual(b.encode(text).ids);
        expect(a.decode(ids, { skip_special_tokens: false })).toBe(
          b.decode(ids, { skip_special_tokens: false }),
        );
      }
    } finally {
      file.close();
    }
  });

  it("dequantises to the very bf16 weights (same safetensors sha256)", { timeout: 180_000 }, () => {
    const gguf = GgufWeights.open(ggufPath);
    const hf = HfWeights.open(folder);
    try {
      for (const name of gguf.names()) expect(gguf.shape(name), name).toEqual(hf.shape(name));
      expect(gguf.sha256()).toBe(hf.sha256());
    } finally {
      gguf.close();
      hf.close();
    }
  });
});
