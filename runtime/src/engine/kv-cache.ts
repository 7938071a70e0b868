/**
 * The attention cache of one sequence: per layer, keys and values of every token seen so far, in buffers with
 * room to grow. The graph returns only the new tokens' keys and values (graph-io.ts); they are written into
 * the buffers here, so a decode step moves a few kilobytes between onnxruntime and JavaScript instead of the
 * whole cache (decisions/2026-12-06-decode-step-overheads.md).
 *
 * Several caches may view the same buffers (a truncated prefix, a branch from a shared prompt). Rows are only
 * ever appended, and only by the cache that ends where the buffers' written rows end; any other cache copies
 * its rows into new buffers first (copy on write). So a cache's rows never change under it.
 */
import ort, { type Tensor } from "onnxruntime-node";

/** Bookkeeping shared by every cache that views the same buffers. */
export interface KvBuffers {
  /** Positions each head has room for (the tensors' dim 2). */
  capacity: number;
  /** Positions written so far: the longest cache over these buffers. */
  written: number;
}

export interface KvCache {
  /** Tokens in the cache (the graph's valid past). */
  length: number;
  /** Per layer, (1, kv_heads, capacity, head_dim); each head's first `length` positions are this cache's. */
  keys: Tensor[];
  values: Tensor[];
  buffers: KvBuffers;
}

/** Room is added in steps of this many positions: a completion's decode steps then append in place. */
const CAPACITY_STEP = 256;

export function emptyKvCache(layers: number, kvHeads: number, headDim: number): KvCache {
  const empty = () => new ort.Tensor("float32", new Float32Array(0), [1, kvHeads, 0, headDim]);
  return {
    length: 0,
    keys: Array.from({ length: layers }, empty),
    values: Array.from({ length: layers }, empty),
    buffers: { capacity: 0, written: 0 },
  };
}

/** The cache of the first `length` tokens: a view of the same buffers (rows are never rewritten). */
export function truncateCache(cache: KvCache, length: number): KvCache {
  if (length < 0 || length > cache.length) {
    throw new RangeError(`cannot truncate a cache of ${cache.length} tokens to ${length}`);
  }
  if (length === cache.length) return cache;
  return { ...cache, length };
}

/**
 * The cache extended by S new tokens' keys and values, each layer's (1, kv_heads, S, head_dim). In place when
 * this cache ends where its buffers' written rows end and there is room; otherwise into new buffers.
 */
export function appendToCache(
  cache: KvCache,
  newKeys: readonly Tensor[],
  newValues: readonly Tensor[],
): KvCache {
  const first = newKeys[0];
  if (!first || newKeys.length !== cache.keys.length || newValues.length !== cache.values.length) {
    throw new RangeError(`expected new keys and values for ${cache.keys.length} layers`);
  }
  const added = first.dims[2]!;
  const length = cache.length + added;
  const inPlace = cache.length === cache.buffers.written && length <= cache.buffers.capacity;
  if (inPlace) {
    for (const [layer, buffer] of cache.keys.entries()) writeRows(buffer, newKeys[layer]!, cache.length);
    for (const [layer, buffer] of cache.values.entries()) writeRows(buffer, newValues[layer]!, cache.length);
    cache.buffers.written = length;
    return { length, keys: cache.keys, values: cache.values, buffers: cache.buffers };
  }
  const capacity = Math.ceil((length + 1) / CAPACITY_STEP) * CAPACITY_STEP;
  const grow = (buffer: Tensor, rows: Tensor): Tensor => {
    const out = withCapacity(buffer, cache.length, capacity);
    writeRows(out, rows, cache.length);
    return out;
  };
  return {
    length,
    keys: cache.keys.map((buffer, layer) => grow(buffer, newKeys[layer]!)),
    values: cache.values.map((buffer, layer) => grow(buffer, newValues[layer]!)),
    buffers: { capacity, written: length },
  };
}

/** A (1, heads, capacity, head_dim) buffer holding the first `rows` positions of `buffer`. */
function withCapacity(buffer: Tensor, rows: number, capacity: number): Tensor {
  const [batch, heads, oldCapacity, headDim] = buffer.dims as [number, number, number, number];
  const from = buffer.data as Float32Array;
  const out = new Float32Array(batch * heads * capacity * headDim);
  for (let head = 0; head < batch * heads; head++) {
    const start = head * oldCapacity * headDim;
    out.set(from.subarray(start, start + rows * headDim), head * capacity * headDim);
  }
  return new ort.Tensor("float32", out, [batch, heads, capacity, headDim]);
}

/** Writes rows (1, heads, S, head_dim) into each head of `buffer` from position `at`. */
function writeRows(buffer: Tensor, rows: Tensor, at: number): void {
  const [, heads, capacity, headDim] = buffer.dims as [number, number, number, number];
  const added = rows.dims[2]!;
  const to = buffer.data as Float32Array;
  const from = rows.data as Float32Array;
  for (let head = 0; head < heads; head++) {
    to.set(
      from.subarray(head * added * headDim, (head + 1) * added * headDim),
      (head * capacity + at) * headDim,
    );
  }
}

/** A head's first `length` positions of one layer's keys or values, (length × head_dim) row-major. */
export function cacheRows(buffer: Tensor, head: number, length: number): Float32Array {
  const [, , capacity, headDim] = buffer.dims as [number, number, number, number];
  const data = buffer.data as Float32Array;
  return data.subarray(head * capacity * headDim, (head * capacity + length) * headDim);
}

/** Bytes of the buffers (shared buffers count once per cache that views them: an upper bound). */
export function cacheBytes(cache: KvCache): number {
  let bytes = 0;
  for (const t of [...cache.keys, ...cache.values]) bytes += (t.data as Float32Array).byteLength;
  return bytes;
}

/** Length of the longest common prefix of two token sequences. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
