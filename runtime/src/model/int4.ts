/**
 * Blockwise 4-bit weights for onnxruntime's `com.microsoft::MatMulNBits`: per output row n and per block of
 * `blockSize` consecutive input features k, one float scale d and 4-bit codes q with w ≈ (q − 8)·d.
 *
 * The rounding is llama.cpp's Q4_0: d = (the block's value of largest magnitude, with its sign) / −8 and
 * q = min(15, ⌊w/d + 8.5⌋), so the extreme value maps exactly to code 0. Layout (what MatMulNBits reads):
 *
 *   B       uint8   [N, blocks, blockSize / 2]   two codes a byte: low nibble = even k, high nibble = odd k
 *   scales  float32 [N, blocks]
 *   zero point 8 (implicit: no zero_points input)
 *
 * K is padded with zeros up to a whole block.
 */

export const INT4_ZERO_POINT = 8;

export interface Int4Weight {
  /** Output features N (rows of the HF weight [out, in]). */
  rows: number;
  /** Input features K. */
  cols: number;
  blockSize: number;
  /** ceil(K / blockSize) */
  blocksPerRow: number;
  /** [N, blocks, blockSize / 2] */
  packed: Uint8Array;
  /** [N, blocks] */
  scales: Float32Array;
}

/** Quantises an HF-layout weight [rows = out, cols = in]. */
export function quantizeInt4(weight: Float32Array, rows: number, cols: number, blockSize = 32): Int4Weight {
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new Error(`int4 block size must be a power of two ≥ 16, got ${blockSize}`);
  }
  if (weight.length !== rows * cols) {
    throw new Error(`int4: weight has ${weight.length} values, expected ${rows}×${cols}`);
  }
  const blocksPerRow = Math.ceil(cols / blockSize);
  const blobBytes = blockSize / 2;
  const packed = new Uint8Array(rows * blocksPerRow * blobBytes);
  const scales = new Float32Array(rows * blocksPerRow);
  const codes = new Uint8Array(blockSize);
  for (let n = 0; n < rows; n++) {
    const row = n * cols;
    for (let block = 0; block < blocksPerRow; block++) {
      const start = block * blockSize;
      const end = Math.min(start + blockSize, cols);
      let extreme = 0; // the value of largest magnitude, signed
      for (let k = start; k < end; k++) {
        const w = weight[row + k]!;
        if (Math.abs(w) > Math.abs(extreme)) extreme = w;
      }
      const d = Math.fround(extreme / -8);
      const inverse = d === 0 ? 0 : 1 / d;
      codes.fill(INT4_ZERO_POINT);
      for (let k = start; k < end; k++) {
        codes[k - start] = Math.min(15, Math.floor(weight[row + k]! * inverse + 8.5));
      }
      const at = (n * blocksPerRow + block) * blobBytes;
      for (let j = 0; j < blobBytes; j++) packed[at + j] = codes[2 * j]! | (codes[2 * j + 1]! << 4);
      scales[n * blocksPerRow + block] = d;
    }
  }
  return { rows, cols, blockSize, blocksPerRow, packed, scales };
}

/** Back to float32 [rows, cols]: what MatMulNBits multiplies by (up to its activation rounding). */
export function dequantizeInt4(q: Int4Weight): Float32Array {
  const { rows, cols, blockSize, blocksPerRow, packed, scales } = q;
  const blobBytes = blockSize / 2;
  const out = new Float32Array(rows * cols);
  for (let n = 0; n < rows; n++) {
    for (let k = 0; k < cols; k++) {
      const block = Math.floor(k / blockSize);
      const within = k - block * blockSize;
      const byte = packed[(n * blocksPerRow + block) * blobBytes + (within >> 1)]!;
      const code = within % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[n * cols + k] = Math.fround((code - INT4_ZERO_POINT) * scales[n * blocksPerRow + block]!);
    }
  }
  return out;
}
