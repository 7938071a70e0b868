/**
 * How base projection weights enter the decoder graph. fp32: `MatMul(x, Wᵀ)`. int4 (the serving default):
 * `MatMulNBits(x, B, scales)` with blocks of 32 along K and `accuracy_level` 4 (int8 activations inside the
 * kernel, ~25% faster than fp32 activations on CPU — docs/DESIGN.md, "Environment and the runtime baseline"). The LoRA branch is float32 in every format.
 */
import { attr } from "../onnx/graph-builder.ts";
import { type BaseWeightFormat, FP32_WEIGHTS } from "./decoder-graph.ts";
import { dequantizeInt4, quantizeInt4 } from "./int4.ts";
import type { Precision } from "./manifest.ts";

export interface Int4Options {
  /** Input features per scale; 32 is Q4_0's granularity. */
  blockSize: number;
  /** MatMulNBits accuracy_level: 0 = fp32 activations, 4 = int8 activations (faster). */
  accuracyLevel: 0 | 1 | 2 | 3 | 4;
}

export const DEFAULT_INT4: Int4Options = { blockSize: 32, accuracyLevel: 4 };

export function int4Weights(options: Int4Options = DEFAULT_INT4): BaseWeightFormat {
  return {
    matmul(g, x, name, weight, inF, outF) {
      const q = quantizeInt4(weight, outF, inF, options.blockSize);
      const packed = g.initializer(
        `${name}.weight.int4`,
        "uint8",
        [outF, q.blocksPerRow, q.blockSize / 2],
        q.packed,
      );
      const scales = g.initializer(`${name}.weight.scales`, "float32", [outF, q.blocksPerRow], q.scales);
      return g.op("MatMulNBits", [x, packed, scales], {
        name: `/${name}/MatMulNBits`,
        domain: "com.microsoft",
        attrs: {
          K: attr.int(inF),
          N: attr.int(outF),
          bits: attr.int(4),
          block_size: attr.int(options.blockSize),
          accuracy_level: attr.int(options.accuracyLevel),
        },
      });
    },
  };
}

/**
 * The parity reference for int4: fp32 MatMul with the weights int4 would hold, dequantised (same rounding,
 * same padding). An int4 graph and this one differ only by MatMulNBits' own arithmetic.
 */
export function int4DequantisedReference(blockSize = DEFAULT_INT4.blockSize): BaseWeightFormat {
  return {
    matmul(g, x, name, weight, inF, outF) {
      const dequantised = dequantizeInt4(quantizeInt4(weight, outF, inF, blockSize));
      return FP32_WEIGHTS.matmul(g, x, name, dequantised, inF, outF);
    },
  };
}

export function weightFormat(precision: Precision, int4: Int4Options = DEFAULT_INT4): BaseWeightFormat {
  return precision === "int4" ? int4Weights(int4) : FP32_WEIGHTS;
}
