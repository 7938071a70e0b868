/**
 * Dequantisation of the ggml block formats the default model's GGUF uses (F32, F16, BF16, Q8_0, Q5_0, Q4_K,
 * Q6_K) to float32. Each follows gguf-py's `gguf.quants` (the code transformers loads GGUF files with) operation
 * by operation in float32 — every product and difference is rounded to float32 (Math.fround) in the same order
 * numpy computes it — so the values are bit-identical to gguf-py's, which test/gguf-dequantize.test.ts checks.
 */

export type GgmlTypeName = "F32" | "F16" | "BF16" | "Q8_0" | "Q5_0" | "Q4_K" | "Q6_K";

export interface GgmlType {
  name: GgmlTypeName;
  /** Values per block and bytes per block. */
  blockValues: number;
  blockBytes: number;
}

const QK_K = 256;

/** ggml's type ids (ggml.h `enum ggml_type`) for the supported types. */
export const GGML_TYPES: Record<number, GgmlType> = {
  0: { name: "F32", blockValues: 1, blockBytes: 4 },
  1: { name: "F16", blockValues: 1, blockBytes: 2 },
  30: { name: "BF16", blockValues: 1, blockBytes: 2 },
  8: { name: "Q8_0", blockValues: 32, blockBytes: 34 },
  6: { name: "Q5_0", blockValues: 32, blockBytes: 22 },
  12: { name: "Q4_K", blockValues: QK_K, blockBytes: 144 },
  14: { name: "Q6_K", blockValues: QK_K, blockBytes: 210 },
};

const HALF_TO_FLOAT = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    table[h] =
      exponent === 0
        ? sign * mantissa * 2 ** -24
        : exponent === 31
          ? mantissa
            ? Number.NaN
            : sign * Number.POSITIVE_INFINITY
          : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
})();

/** `count` values of a tensor of `type` from its raw bytes, as float32. */
export function dequantize(type: GgmlTypeName, bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = (at: number) => HALF_TO_FLOAT[view.getUint16(at, true)] as number;
  const f = Math.fround;
  switch (type) {
    case "F32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = half(i * 2);
      break;
    case "BF16": {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case "Q8_0":
      for (let b = 0, o = 0; o < count; b += 34, o += 32) {
        const d = half(b);
        for (let i = 0; i < 32; i++) out[o + i] = f(view.getInt8(b + 2 + i) * d);
      }
      break;
    case "Q5_0":
      for (let b = 0, o = 0; o < count; b += 22, o += 32) {
        const d = half(b);
        const qh = view.getUint32(b + 2, true);
        for (let j = 0; j < 16; j++) {
          const byte = bytes[b + 6 + j] as number;
          out[o + j] = f(d * (((byte & 0x0f) | (((qh >>> j) & 1) << 4)) - 16));
          out[o + j + 16] = f(d * (((byte >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16));
        }
      }
      break;
    case "Q4_K":
      for (let b = 0, o = 0; o < count; b += 144, o += QK_K) {
        const d = half(b);
        const dmin = half(b + 2);
        const s = b + 4;
        const q = b + 16;
        for (let sub = 0; sub < 8; sub++) {
          // get_scale_min: 6-bit scale and min per 32-value sub-block, packed in 12 bytes.
          let sc: number;
          let m: number;
          if (sub < 4) {
            sc = (bytes[s + sub] as number) & 0x3f;
            m = (bytes[s + 4 + sub] as number) & 0x3f;
          } else {
            const md = bytes[s + 8 + sub - 4] as number;
            sc = (md & 0x0f) | (((bytes[s + sub - 4] as number) >> 2) & 0x30);
            m = (md >> 4) | (((bytes[s + 4 + sub - 4] as number) >> 2) & 0x30);
          }
          const ds = f(d * sc);
          const dm = f(dmin * m);
          const chunk = q + (sub >> 1) * 32;
          const shift = (sub & 1) * 4;
          for (let l = 0; l < 32; l++) {
            out[o + sub * 32 + l] = f(f(ds * (((bytes[chunk + l] as number) >> shift) & 0x0f)) - dm);
          }
        }
      }
      break;
    case "Q6_K":
      for (let b = 0, o = 0; o < count; b += 210, o += QK_K) {
        const ql = b;
        const qh = b + 128;
        const scales = b + 192;
        const d = half(b + 208);
        for (let i = 0; i < QK_K; i++) {
          const h = i >> 7;
          const r = i & 127;
          const low = ((bytes[ql + h * 64 + (r & 63)] as number) >> ((r >> 6) * 4)) & 0x0f;
          const high = ((bytes[qh + h * 32 + (r & 31)] as number) >> ((r >> 5) * 2)) & 0x03;
          const scale = f(d * view.getInt8(scales + (i >> 4)));
          out[o + i] = f(scale * ((low | (high << 4)) - 32));
        }
      }
      break;
  }
  return out;
}

/** Rounds float32 values to bfloat16 (round to nearest even, as torch's `.to(torch.bfloat16)`) in place. */
export function roundToBfloat16(values: Float32Array): Float32Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i] as number;
    if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) {
      bits[i] = 0x7fc00000; // torch's bfloat16 NaN
    } else {
      bits[i] = ((x + 0x7fff + ((x >>> 16) & 1)) & 0xffff0000) >>> 0;
    }
  }
  return values;
}
