/**
 * A GGUF file (v2/v3, little-endian): its metadata key/values and tensor infos, and each tensor's raw bytes read
 * on demand (the file is ~0.5 GB; nothing but the header is held). Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { UnsupportedModelError } from "../../errors.ts";
import { GGML_TYPES, type GgmlTypeName } from "./dequantize.ts";

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** GGUF order: dims[0] varies fastest (the reverse of a row-major shape). */
  dims: number[];
  type: GgmlTypeName;
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
  byteLength: number;
}

/** Thrown by the cursor when the header runs past the bytes read so far (the reader then reads more). */
class NeedMoreBytes extends Error {}

class Cursor {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Buffer) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new NeedMoreBytes();
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new UnsupportedModelError(`GGUF: a length of ${v} is too large`);
    return Number(v);
  }
  value(type: number): GgufValue {
    const v = this.view;
    const at = (n: number) => {
      this.need(n);
      const p = this.pos;
      this.pos += n;
      return p;
    };
    switch (type) {
      case 0:
        return v.getUint8(at(1));
      case 1:
        return v.getInt8(at(1));
      case 2:
        return v.getUint16(at(2), true);
      case 3:
        return v.getInt16(at(2), true);
      case 4:
        return v.getUint32(at(4), true);
      case 5:
        return v.getInt32(at(4), true);
      case 6:
        return v.getFloat32(at(4), true);
      case 7:
        return v.getUint8(at(1)) !== 0;
      case 8: {
        const n = this.u64();
        const p = at(n);
        return this.bytes.toString("utf8", p, p + n);
      }
      case 9: {
        const itemType = this.u32();
        const n = this.u64();
        const items: GgufValue[] = new Array(n);
        for (let i = 0; i < n; i++) items[i] = this.value(itemType);
        return items;
      }
      case 10:
        return v.getBigUint64(at(8), true);
      case 11:
        return v.getBigInt64(at(8), true);
      case 12:
        return v.getFloat64(at(8), true);
      default:
        throw new UnsupportedModelError(`GGUF: unknown metadata value type ${type}`);
    }
  }
}

export class GgufFile {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly version: number,
    readonly metadata: Map<string, GgufValue>,
    readonly tensors: Map<string, GgufTensorInfo>,
  ) {}

  static open(path: string): GgufFile {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      // The header (with a 150k-token vocabulary) is a few MB; read more until it parses.
      for (let want = Math.min(size, 16 << 20); ; want = Math.min(size, want * 2)) {
        const bytes = Buffer.alloc(want);
        readSync(fd, bytes, 0, want, 0);
        try {
          const parsed = parseHeader(bytes, size, path);
          return new GgufFile(path, fd, parsed.version, parsed.metadata, parsed.tensors);
        } catch (error) {
          if (!(error instanceof NeedMoreBytes)) throw error;
          if (want === size)
            throw new UnsupportedModelError(`${path}: the GGUF header runs past the end of the file`);
        }
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** A metadata value, checked to be of the expected JS type. */
  get<T extends GgufValue>(key: string, kind: "number" | "string" | "boolean" | "array"): T {
    const value = this.metadata.get(key);
    const ok =
      kind === "array"
        ? Array.isArray(value)
        : kind === "number"
          ? typeof value === "number"
          : typeof value === kind;
    if (!ok)
      throw new UnsupportedModelError(`${this.path}: GGUF metadata ${key} is missing or not a ${kind}`);
    return value as T;
  }

  /** The tensor's raw (quantised) bytes. */
  raw(name: string): Buffer {
    const info = this.tensors.get(name);
    if (!info) throw new UnsupportedModelError(`${this.path}: no tensor ${name}`);
    const bytes = Buffer.alloc(info.byteLength);
    let done = 0;
    while (done < info.byteLength) {
      const n = readSync(this.fd, bytes, done, info.byteLength - done, info.offset + done);
      if (n === 0)
        throw new UnsupportedModelError(`${this.path}: tensor ${name} runs past the end of the file`);
      done += n;
    }
    return bytes;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function parseHeader(bytes: Buffer, fileSize: number, path: string) {
  const c = new Cursor(bytes);
  if (bytes.toString("latin1", 0, 4) !== "GGUF")
    throw new UnsupportedModelError(`${path} is not a GGUF file`);
  c.pos = 4;
  const version = c.u32();
  if (version !== 2 && version !== 3)
    throw new UnsupportedModelError(`${path}: GGUF version ${version} is not supported (2 or 3)`);
  const tensorCount = c.u64();
  const kvCount = c.u64();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.value(8) as string;
    metadata.set(key, c.value(c.u32()));
  }
  const infos: { name: string; dims: number[]; type: number; offset: number }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.value(8) as string;
    const nDims = c.u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.u64());
    infos.push({ name, dims, type: c.u32(), offset: c.u64() });
  }
  const alignment = (metadata.get("general.alignment") as number | undefined) ?? 32;
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const tensors = new Map<string, GgufTensorInfo>();
  for (const info of infos) {
    const type = GGML_TYPES[info.type];
    if (!type)
      throw new UnsupportedModelError(
        `${path}: tensor ${info.name} has ggml type ${info.type}, which is not supported (${Object.values(
          GGML_TYPES,
        )
          .map((t) => t.name)
          .join(", ")})`,
      );
    const count = info.dims.reduce((a, b) => a * b, 1);
    if (count % type.blockValues !== 0)
      throw new UnsupportedModelError(
        `${path}: tensor ${info.name} is not a whole number of ${type.name} blocks`,
      );
    const byteLength = (count / type.blockValues) * type.blockBytes;
    const offset = dataStart + info.offset;
    if (offset + byteLength > fileSize)
      throw new UnsupportedModelError(`${path}: tensor ${info.name} runs past the end of the file`);
    tensors.set(info.name, { name: info.name, dims: info.dims, type: type.name, offset, byteLength });
  }
  return { version, metadata, tensors };
}
