/** Writes safetensors files: adapter tensor caches, and fixtures in tests. */
import { writeFileSync } from "node:fs";
import type { SafetensorsDtype } from "./read.ts";

export interface TensorToWrite {
  dtype: Extract<SafetensorsDtype, "F32" | "F16" | "BF16" | "I64" | "I32" | "U8">;
  shape: number[];
  /** Row-major data; F16/BF16 are passed as their raw Uint16Array bits. */
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
}

export function encodeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - (json.byteLength % 8)) % 8; // the data section starts 8-byte aligned
  const headerBytes = new Uint8Array(json.byteLength + padding).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export function writeSafetensors(
  path: string,
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}
