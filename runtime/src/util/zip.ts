/**
 * Just enough of a zip reader to take one file out of a wheel: the central directory (no zip64), and an entry's
 * bytes streamed out, stored or deflated (node:zlib inflateRaw), checked against its recorded size.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import { createInflateRaw } from "node:zlib";

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export class ZipError extends Error {}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  const n = readSync(fd, bytes, 0, length, position);
  if (n !== length) throw new ZipError(`truncated zip: wanted ${length} bytes at ${position}, got ${n}`);
  return bytes;
}

/** The entries of a zip's central directory. */
export function zipEntries(path: string): ZipEntry[] {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    // The end-of-central-directory record is 22 bytes plus a comment of at most 65535.
    const tailLength = Math.min(size, 22 + 65535);
    const tail = readAt(fd, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipError(`${path} is not a zip file (no end-of-central-directory record)`);
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirOffset === 0xffffffff)
      throw new ZipError(`${path}: zip64 archives are not supported`);
    const dir = readAt(fd, dirOffset, dirSize);
    const entries: ZipEntry[] = [];
    for (let at = 0, i = 0; i < count; i++) {
      if (dir.readUInt32LE(at) !== CENTRAL_SIGNATURE)
        throw new ZipError(`${path}: bad central directory entry ${i}`);
      const nameLength = dir.readUInt16LE(at + 28);
      const extraLength = dir.readUInt16LE(at + 30);
      const commentLength = dir.readUInt16LE(at + 32);
      entries.push({
        name: dir.toString("utf8", at + 46, at + 46 + nameLength),
        method: dir.readUInt16LE(at + 10),
        compressedSize: dir.readUInt32LE(at + 20),
        size: dir.readUInt32LE(at + 24),
        localHeaderOffset: dir.readUInt32LE(at + 42),
      });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

/** Streams an entry's uncompressed bytes to `onChunk`. */
export async function readZipEntry(
  path: string,
  entry: ZipEntry,
  onChunk: (chunk: Buffer) => void | Promise<void>,
): Promise<void> {
  if (entry.method !== 0 && entry.method !== 8)
    throw new ZipError(
      `${path}: ${entry.name} uses compression method ${entry.method} (only stored and deflated)`,
    );
  const fd = openSync(path, "r");
  let dataStart: number;
  try {
    const local = readAt(fd, entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE)
      throw new ZipError(`${path}: bad local header for ${entry.name}`);
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    closeSync(fd);
  }
  const raw =
    entry.compressedSize === 0
      ? null
      : createReadStream(path, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  let stream: AsyncIterable<Buffer> | Buffer[] = raw ?? [];
  if (raw && entry.method === 8) {
    const inflate = createInflateRaw();
    raw.on("error", (error) => inflate.destroy(error)); // pipe() does not pass a read error on
    stream = raw.pipe(inflate);
  }
  let written = 0;
  for await (const chunk of stream) {
    written += chunk.length;
    await onChunk(chunk);
  }
  if (written !== entry.size)
    throw new ZipError(
      `${path}: ${entry.name} inflated to ${written} bytes, the directory says ${entry.size}`,
    );
}
