/**
 * Reads safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then raw
 * little-endian tensor bytes. Floating tensors come out as Float32Array (fp16 and bf16 are widened exactly);
 * integer tensors as BigInt64Array / Int32Array. Never executes anything from the file (no pickle).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { SafetensorsError } from "../errors.ts";

export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  begin: number;
  end: number;
}

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** An open safetensors file: the header is parsed eagerly, tensor bytes are read on demand. */
export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly dataStart: number,
    private readonly tensors: Map<string, TensorInfo>,
    readonly metadata: Record<string, string>,
  ) {}

  static open(path: string): SafetensorsFile {
    const fd = openSync(path, "r");
    try {
      const fileSize = fstatSync(fd).size;
      const lengthBytes = readExactly(fd, 0, 8, path);
      const headerLength = Number(new DataView(lengthBytes.buffer).getBigUint64(0, true));
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > fileSize) {
        throw new SafetensorsError(
          `${path}: header length ${headerLength} does not fit a ${fileSize}-byte file`,
        );
      }
      const header = parseHeader(readExactly(fd, 8, headerLength, path), path);
      const dataStart = 8 + headerLength;
      const { tensors, metadata } = validateHeader(header, path, fileSize - dataStart);
      return new SafetensorsFile(path, fd, dataStart, tensors, metadata);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new SafetensorsError(`${this.path}: no tensor named "${name}"`);
    return info;
  }

  /** The tensor's raw little-endian bytes. */
  bytes(name: string): Uint8Array {
    const { begin, end } = this.info(name);
    return readExactly(this.fd, this.dataStart + begin, end - begin, this.path);
  }

  /** A floating-point tensor (F32, F16, BF16 or F64) as float32, row-major. */
  float32(name: string): Float32Array {
    const info = this.info(name);
    return toFloat32(this.bytes(name), info.dtype, `${this.path}: ${name}`);
  }

  /** An integer tensor (I64 or I32) as int64. */
  int64(name: string): BigInt64Array {
    const info = this.info(name);
    const bytes = this.bytes(name);
    if (info.dtype === "I64") return new BigInt64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    if (info.dtype === "I32") {
      const ints = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return BigInt64Array.from(ints, (v) => BigInt(v));
    }
    throw new SafetensorsError(
      `${this.path}: ${name} is ${info.dtype}, expected an integer tensor (I64 or I32)`,
    );
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads every tensor of a small file at once (adapters, references); the file is closed afterwards. */
export function withSafetensors<T>(path: string, read: (file: SafetensorsFile) => T): T {
  const file = SafetensorsFile.open(path);
  try {
    return read(file);
  } finally {
    file.close();
  }
}

export function toFloat32(bytes: Uint8Array, dtype: SafetensorsDtype, what: string): Float32Array {
  // Copy into a fresh, aligned buffer: views into the file buffer may be misaligned.
  const aligned = new Uint8Array(bytes);
  switch (dtype) {
    case "F32":
      return new Float32Array(aligned.buffer, 0, aligned.byteLength / 4);
    case "F64":
      return Float32Array.from(new Float64Array(aligned.buffer, 0, aligned.byteLength / 8));
    case "BF16": {
      // bf16 is the top half of a float32: shift it back into place.
      const halves = new Uint16Array(aligned.buffer, 0, aligned.byteLength / 2);
      const words = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) words[i] = halves[i]! << 16;
      return new Float32Array(words.buffer);
    }
    case "F16": {
      const halves = new Uint16Array(aligned.buffer, 0, aligned.byteLength / 2);
      const out = new Float32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = float16ToFloat32(halves[i]!);
      return out;
    }
    default:
      throw new SafetensorsError(
        `${what} is ${dtype}, expected a floating-point tensor (F32, F16, BF16, F64)`,
      );
  }
}

/** IEEE 754 half → float, subnormals, infinities and NaN included. */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function readExactly(fd: number, position: number, length: number, path: string): Uint8Array {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0)
      throw new SafetensorsError(`${path}: file ends early (wanted ${length} bytes at ${position})`);
    done += n;
  }
  return buffer;
}

function parseHeader(bytes: Uint8Array, path: string): Record<string, unknown> {
  try {
    const header: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof header !== "object" || header === null || Array.isArray(header))
      throw new Error("not an object");
    return header as Record<string, unknown>;
  } catch (error) {
    throw new SafetensorsError(`${path}: header is not a JSON object (${(error as Error).message})`);
  }
}

function validateHeader(
  header: Record<string, unknown>,
  path: string,
  dataBytes: number,
): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = entry.dtype as SafetensorsDtype;
    if (!(dtype in BYTES_PER_ELEMENT))
      throw new SafetensorsError(`${path}: ${name} has unsupported dtype ${String(entry.dtype)}`);
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${path}: ${name} has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o))) {
      throw new SafetensorsError(`${path}: ${name} has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype];
    if (end - begin !== expected || begin < 0 || end > dataBytes) {
      throw new SafetensorsError(
        `${path}: ${name} [${shape.join(", ")}] ${dtype} needs ${expected} bytes, header says ${begin}..${end} of ${dataBytes}`,
      );
    }
    tensors.set(name, { name, dtype, shape: shape as number[], begin, end });
  }
  return { tensors, metadata };
}
