/**
 * The TypeScript GGUF reader against gguf-py (the library transformers loads GGUF files with): a tiny qwen2 GGUF
 * written by test/fixtures/write_tiny_gguf.py with random blocks of every supported format, dequantised by both,
 * compared bit for bit; the bfloat16 rounding against torch's; names, config and tokenizer from the metadata;
 * and a whole tiny qwen2 GGUF prepared by Node vs prepared from transformers' conversion of it
 * (generator/trainer/tools/gguf_to_hf.py). Needs the trainer's venv (gguf, numpy; torch and transformers for
 * the bf16 and package checks).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { beforeAll, describe, expect, it } from "vitest";
import { dequantize, roundToBfloat16 } from "../runtime/src/model/gguf/dequantize.ts";
import { hfConfig, hfTensorName } from "../runtime/src/model/gguf/qwen2.ts";
import { GgufFile } from "../runtime/src/model/gguf/read.ts";
import { tokenizerJson } from "../runtime/src/model/gguf/tokenizer.ts";
import { GgufWeights } from "../runtime/src/model/gguf/weights.ts";
import { prepareModelPackage } from "../runtime/src/model/package.ts";
import { tempDir } from "./helpers/git-repo.ts";

const repoRoot = join(import.meta.dirname, "..");
const python = process.env.REPOLORA_TRAINER_PYTHON ?? join(repoRoot, ".venv", "bin", "python");
const hasGguf = existsSync(python) && spawnSync(python, ["-c", "import gguf, numpy"]).status === 0;
if (!hasGguf)
  console.warn(`GGUF parity tests skipped: ${python} with the gguf package not found (.ci/setup)`);

describe.skipIf(!hasGguf)("GGUF reader vs gguf-py", { timeout: 120_000 }, () => {
  let dir: string;
  let file: GgufFile;
  beforeAll(() => {
    dir = tempDir("gguf-tiny-");
    const run = spawnSync(python, [join(repoRoot, "test", "fixtures", "write_tiny_gguf.py"), dir], {
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    file = GgufFile.open(join(dir, "tiny.gguf"));
    return () => file.close();
  });

  it("dequantises every block format bit-identically to gguf.quants.dequantize", () => {
    const types = new Set<string>();
    for (const info of file.tensors.values()) {
      const count = info.dims.reduce((a, b) => a * b, 1);
      const ours = dequantize(info.type, file.raw(info.name), count);
      const theirs = readFileSync(join(dir, `${info.name}.f32`));
      expect(theirs.length).toBe(count * 4);
      expect(Buffer.compare(Buffer.from(ours.buffer), theirs), `${info.name} (${info.type})`).toBe(0);
      types.add(info.type);
    }
    expect([...types].sort()).toEqual(["BF16", "F16", "F32", "Q4_K", "Q5_0", "Q6_K", "Q8_0"]);
  });

  it("rounds to bfloat16 as torch does", () => {
    let checked = 0;
    for (const info of file.tensors.values()) {
      const bf16Path = join(dir, `${info.name}.bf16`);
      if (!existsSync(bf16Path)) continue; // torch absent
      const values = new Float32Array(new Uint8Array(readFileSync(join(dir, `${info.name}.f32`))).buffer);
      const rounded = new Uint32Array(roundToBfloat16(values).buffer);
      const torchBits = new Uint16Array(new Uint8Array(readFileSync(bf16Path)).buffer);
      const ours = Uint16Array.from(rounded, (bits) => bits >>> 16);
      expect(Buffer.compare(Buffer.from(ours.buffer), Buffer.from(torchBits.buffer)), info.name).toBe(0);
      checked++;
    }
    if (checked === 0) console.warn("bf16 rounding not checked: torch is not installed");
  });

  it("maps llama.cpp names and shapes to Hugging Face Qwen2 ones", () => {
    const weights = GgufWeights.fromFile(file);
    expect(weights.names().sort()).toEqual([
      "model.layers.0.input_layernorm.weight",
      "model.layers.0.mlp.down_proj.weight",
      "model.layers.0.mlp.gate_proj.weight",
      "model.layers.0.mlp.up_proj.weight",
      "model.layers.0.self_attn.k_proj.weight",
      "model.layers.0.self_attn.o_proj.weight",
      "model.layers.0.self_attn.q_proj.weight",
    ]);
    // GGUF dims are [512, 4] (fastest first): the row-major shape is [4, 512].
    expect(weights.shape("model.layers.0.self_attn.q_proj.weight")).toEqual([4, 512]);
    expect(() => weights.float32("model.layers.0.self_attn.q_proj.weight", [512, 4])).toThrow(/config says/);
    expect(hfTensorName("output.weight")).toBe("lm_head.weight");
    expect(hfTensorName("blk.12.attn_v.bias")).toBe("model.layers.12.self_attn.v_proj.bias");
    expect(() => hfTensorName("rope_freqs.weight")).toThrow(/no Qwen2 equivalent/);
  });

  it("reads the config from the metadata", () => {
    expect(hfConfig(file)).toMatchObject({
      model_type: "qwen2",
      hidden_size: 512,
      intermediate_size: 4,
      num_hidden_layers: 1,
      num_attention_heads: 8,
      num_key_value_heads: 2,
      rope_parameters: { rope_theta: 1000000 },
      vocab_size: 8,
      tie_word_embeddings: true, // no output.weight
      eos_token_id: 5,
    });
    expect(Math.fround(hfConfig(file).rms_norm_eps as number)).toBe(Math.fround(1e-6));
  });

  it("builds a tokenizer.json that @huggingface/tokenizers loads and that merges and splits specials", () => {
    const json = tokenizerJson(file);
    const tokenizer = new Tokenizer(json, {});
    // "ab ab": a+b merge, then Ġ+ab merge; the control token is matched whole.
    expect(tokenizer.encode("ab ab<|endoftext|>").ids).toEqual([2, 4, 5]);
    expect(
      (json.added_tokens as { content: string; special: boolean }[]).map((t) => [t.content, t.special]),
    ).toEqual([
      ["<|endoftext|>", true],
      ["<tool_call>", false],
    ]);
  });
});

const hasTransformers =
  hasGguf && spawnSync(python, ["-c", "import torch, transformers"], { timeout: 120_000 }).status === 0;

describe.skipIf(!hasTransformers)("a tiny qwen2 GGUF: Node's package vs transformers' conversion", () => {
  it("prepares the same package (weights, sha256, tokenizer) as from the folder gguf_to_hf.py writes", {
    timeout: 300_000,
  }, async () => {
    const dir = tempDir("gguf-model-");
    const gguf = join(dir, "model.gguf");
    const folder = join(dir, "hf");
    const write = spawnSync(
      python,
      [join(repoRoot, "test", "fixtures", "write_tiny_gguf.py"), "--model", dir],
      {
        encoding: "utf8",
      },
    );
    expect(write.status, write.stderr).toBe(0);
    const convert = spawnSync(
      python,
      [join(repoRoot, "generator", "trainer", "tools", "gguf_to_hf.py"), gguf, folder],
      {
        encoding: "utf8",
        timeout: 240_000,
      },
    );
    expect(convert.status, convert.stderr).toBe(0);

    const fromGguf = await prepareModelPackage({ source: gguf, outDir: join(dir, "pkg-gguf"), id: "tiny" });
    const fromFolder = await prepareModelPackage({ source: folder, outDir: join(dir, "pkg-hf"), id: "tiny" });
    const data = (pkg: typeof fromGguf) => readFileSync(join(pkg.dir, pkg.manifest.files.modelData));
    expect(data(fromGguf).equals(data(fromFolder))).toBe(true);
    expect(readFileSync(fromGguf.modelPath).equals(readFileSync(fromFolder.modelPath))).toBe(true);
    expect(fromGguf.manifest.baseModel.weightsSha256).toBe(fromFolder.manifest.baseModel.weightsSha256);
    expect(fromGguf.manifest.config).toEqual(fromFolder.manifest.config);
    expect(fromGguf.manifest.stopTokenIds).toEqual(fromFolder.manifest.stopTokenIds);
    expect(fromGguf.manifest.fimTemplate).toBe(fromFolder.manifest.fimTemplate);
    expect(fromGguf.lora.targets).toEqual(fromFolder.lora.targets);

    const ours = JSON.parse(readFileSync(fromGguf.tokenizerPath, "utf8"));
    const theirs = JSON.parse(readFileSync(fromFolder.tokenizerPath, "utf8"));
    expect(ours).toEqual(theirs);
    const text = "<|fim_prefix|>def  interest():\n\t<|fim_suffix|>\n<|fim_middle|> ÿ€";
    expect(new Tokenizer(ours, {}).encode(text).ids).toEqual(new Tokenizer(theirs, {}).encode(text).ids);
  });
});
