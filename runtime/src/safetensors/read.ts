/**
 * Reads safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then raw
 * little-endian tensor bytes. Floating tensors come out as Float32Array (fp16 and bf16 are widened exactly);
 * integer tensors as BigInt64Array / Int32Array. Never executes anything from the file (no pickle).
 * `findNonFinite` scans every floating tensor for NaN/±Inf in one pass over the raw bits (adapters must be finite).
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

/** The first NaN or infinity found in a tensor: its flat (row-major) element index and what it holds. */
export interface NonFiniteElement {
  index: number;
  value: "NaN" | "+Inf" | "-Inf";
}

/** A non-finite element and the tensor that holds it. */
export interface NonFiniteTensor extends NonFiniteElement {
  tensor: string;
  dtype: SafetensorsDtype;
}

/** Exponent, mantissa and sign masks of the IEEE-like formats stored as 16 or 32 bits. */
const FLOAT_BITS = {
  F32: { exponent: 0x7f800000, mantissa: 0x007fffff, sign: 0x80000000 },
  F16: { exponent: 0x7c00, mantissa: 0x03ff, sign: 0x8000 },
  BF16: { exponent: 0x7f80, mantissa: 0x007f, sign: 0x8000 },
} as const;

/**
 * The first NaN/±Inf element of a tensor's raw little-endian bytes, or null; integer tensors are always finite.
 * One pass over the bit patterns, no conversion: a value is non-finite exactly when its exponent bits are all
 * ones (mantissa ≠ 0: NaN, mantissa = 0: ±Inf), for F32, F16 and BF16 alike.
 */
export function firstNonFinite(bytes: Uint8Array, dtype: SafetensorsDtype): NonFiniteElement | null {
  if (dtype === "F64") {
    const a = aligned(bytes, 8);
    const values = new Float64Array(a.buffer, a.byteOffset, a.byteLength / 8);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) return { index: i, value: Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf" };
    }
    return null;
  }
  if (dtype !== "F32" && dtype !== "F16" && dtype !== "BF16") return null;
  const { exponent, mantissa, sign } = FLOAT_BITS[dtype];
  const size = dtype === "F32" ? 4 : 2;
  const a = aligned(bytes, size);
  const words =
    size === 4
      ? new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4)
      : new Uint16Array(a.buffer, a.byteOffset, a.byteLength / 2);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w & exponent) >>> 0 === exponent) {
      return { index: i, value: w & mantissa ? "NaN" : (w & sign) >>> 0 ? "-Inf" : "+Inf" };
    }
  }
  return null;
}

/** `bytes` itself when it starts at a multiple of `size` in its buffer (typed arrays need that), else a copy. */
function aligned(bytes: Uint8Array, size: number): Uint8Array {
  return bytes.byteOffset % size === 0 ? bytes : new Uint8Array(bytes);
}

/** "tensor <name> holds NaN at element <i> (BF16)": the wording every refusal of a non-finite tensor uses. */
export function describeNonFinite(found: NonFiniteTensor): string {
  return `tensor ${found.tensor} holds ${found.value} at element ${found.index} (${found.dtype})`;
}

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

  /** The first tensor (in file order) holding a NaN or an infinity, or null when every tensor is finite. */
  findNonFinite(): NonFiniteTensor | null {
    for (const info of [...this.tensors.values()].sort((a, b) => a.begin - b.begin)) {
      const found = firstNonFinite(this.bytes(info.name), info.dtype);
      if (found) return { ...found, tensor: info.name, dtype: info.dtype };
    }
    return null;
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
