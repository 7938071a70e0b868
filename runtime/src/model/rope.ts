/**
 * Rotary position tables for onnxruntime's GroupQueryAttention (do_rotary) and RotaryEmbedding ops: cos/sin of
 * `position · inv_freq`, shape [maxPositions, headDim / 2] (the ops repeat the half for the non-interleaved,
 * rotate-half layout HF uses).
 * Every step is rounded to float32 as transformers computes it, so the tables match the reference's bit for bit
 * up to the last ulp of cos/sin.
 */
export interface RopeTables {
  cos: Float32Array;
  sin: Float32Array;
  /** [maxPositions, headDim / 2] */
  dims: [number, number];
}

export function ropeTables(headDim: number, theta: number, maxPositions: number): RopeTables {
  const half = headDim / 2;
  // inv_freq[i] = 1 / theta^(2i / headDim), in float32
  const invFreq = Float32Array.from({ length: half }, (_, i) =>
    Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim))),
  );
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let position = 0; position < maxPositions; position++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(position * invFreq[i]!);
      cos[position * half + i] = Math.cos(angle);
      sin[position * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin, dims: [maxPositions, half] };
}
