/**
 * A GGUF file's tensors as Hugging Face Qwen2 weights, dequantised one tensor at a time (the fp32 model would be
 * ~2.5 GB; one tensor is at most the 0.5 GB embedding table).
 *
 * Values are rounded to bfloat16 after dequantisation, because that is what the Python path
 * (generator/trainer/tools/gguf_to_hf.py: transformers, dtype bfloat16) writes and what the trainer and the
 * default adapter were built on; with it, a package prepared from the GGUF holds the very weights of one prepared
 * from the converted folder. `sha256()` is the sha256 of the model.safetensors file that conversion writes
 * (header and bf16 bytes, tensors in name order), computed without writing it, so adapters trained on the
 * converted folder match a package prepared from the GGUF.
 */
import { createHash } from "node:crypto";
import { UnsupportedModelError } from "../../errors.ts";
import type { BaseWeights } from "../weights-source.ts";
import { dequantize, roundToBfloat16 } from "./dequantize.ts";
import { hfTensorName } from "./qwen2.ts";
import { GgufFile, type GgufTensorInfo } from "./read.ts";

export class GgufWeights implements BaseWeights {
  private constructor(
    readonly file: GgufFile,
    private readonly byName: Map<string, GgufTensorInfo>,
  ) {}

  static open(path: string): GgufWeights {
    const file = GgufFile.open(path);
    try {
      return GgufWeights.fromFile(file);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  static fromFile(file: GgufFile): GgufWeights {
    const byName = new Map<string, GgufTensorInfo>();
    for (const info of file.tensors.values()) byName.set(hfTensorName(info.name), info);
    return new GgufWeights(file, byName);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  shape(name: string): number[] {
    return [...this.info(name).dims].reverse();
  }

  float32(name: string, expectedShape: number[]): Float32Array {
    const shape = this.shape(name);
    if (shape.length !== expectedShape.length || shape.some((d, i) => d !== expectedShape[i])) {
      throw new UnsupportedModelError(
        `weight ${name} is [${shape.join(", ")}], config says [${expectedShape.join(", ")}]`,
      );
    }
    return this.bfloat16Values(name);
  }

  /** sha256 of the bf16 safetensors file transformers' conversion writes for these weights. */
  sha256(): string {
    const names = this.names().sort();
    const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
    let offset = 0;
    for (const name of names) {
      const shape = this.shape(name);
      const bytes = shape.reduce((a, b) => a * b, 1) * 2;
      header[name] = { dtype: "BF16", shape, data_offsets: [offset, offset + bytes] };
      offset += bytes;
    }
    let json = JSON.stringify(header);
    json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    const hash = createHash("sha256").update(length).update(json);
    for (const name of names) {
      const values = this.bfloat16Values(name);
      const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
      const halves = new Uint16Array(values.length);
      for (let i = 0; i < words.length; i++) halves[i] = (words[i] as number) >>> 16;
      hash.update(new Uint8Array(halves.buffer));
    }
    return hash.digest("hex");
  }

  close(): void {
    this.file.close();
  }

  private bfloat16Values(name: string): Float32Array {
    const info = this.info(name);
    const count = info.dims.reduce((a, b) => a * b, 1);
    return roundToBfloat16(dequantize(info.type, this.file.raw(info.name), count));
  }

  private info(name: string): GgufTensorInfo {
    const info = this.byName.get(name);
    if (!info) throw new UnsupportedModelError(`weight ${name} is missing from ${this.file.path}`);
    return info;
  }
}
