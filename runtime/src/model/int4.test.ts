import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { ExternalDataWriter, GraphBuilder } from "../onnx/graph-builder.ts";
import { FP32_WEIGHTS } from "./decoder-graph.ts";
import { dequantizeInt4, quantizeInt4 } from "./int4.ts";
import { int4Weights } from "./weight-formats.ts";

/** Deterministic pseudo-random values in [-1, 1). */
function random(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

describe("int4 quantisation (Q4_0 rounding, MatMulNBits layout)", () => {
  it("packs the even k in the low nibble, zero point 8, scale = signed extreme / -8", () => {
    // One row, one block of 32: w[0] = -8 (the extreme), w[1] = 1, w[2] = 2, the rest 0.
    const w = new Float32Array(32);
    w[0] = -8;
    w[1] = 1;
    w[2] = 2;
    const q = quantizeInt4(w, 1, 32);
    expect(q.scales[0]).toBe(1); // -8 / -8
    expect(q.packed[0]).toBe(0x0 | (0x9 << 4)); // codes 0 (=-8+8) and 9 (=1+8)
    expect(q.packed[1]).toBe(0xa | (0x8 << 4)); // codes 10 and 8
    expect(Array.from(dequantizeInt4(q).subarray(0, 4))).toEqual([-8, 1, 2, 0]);
  });

  it("keeps the error within half a step (one step where Q4_0 clamps at code 15) and pads K", () => {
    const rows = 3;
    const cols = 40; // 2 blocks, the second padded
    const w = random(rows * cols, 7);
    const q = quantizeInt4(w, rows, cols);
    expect(q.blocksPerRow).toBe(2);
    expect(q.packed.length).toBe(rows * 2 * 16);
    const back = dequantizeInt4(q);
    for (let n = 0; n < rows; n++) {
      for (let k = 0; k < cols; k++) {
        const d = q.scales[n * 2 + Math.floor(k / 32)]!;
        const clamped = w[n * cols + k]! / d + 8.5 >= 16;
        const bound = clamped ? Math.abs(d) : Math.abs(d) / 2;
        expect(Math.abs(back[n * cols + k]! - w[n * cols + k]!)).toBeLessThanOrEqual(bound + 1e-6);
      }
    }
  });

  describe("against onnxruntime's MatMulNBits", () => {
    const work = mkdtempSync(join(tmpdir(), "repolora-int4-"));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    async function runProjection(
      format: typeof FP32_WEIGHTS,
      weight: Float32Array,
      inF: number,
      outF: number,
      x: Float32Array,
      name: string,
    ) {
      const data = new ExternalDataWriter(join(work, `${name}.onnx.data`));
      const g = new GraphBuilder(data);
      const input = g.input("x", "float32", [1, "s", inF]);
      const y = format.matmul(g, input, "proj", weight, inF, outF);
      g.node("Identity", [y], { name: "/out", outputs: ["y"] });
      g.output("y", "float32", [1, "s", outF]);
      const path = join(work, `${name}.onnx`);
      const { writeFileSync } = await import("node:fs");
      writeFileSync(path, g.encode("int4-test", { "": 21, "com.microsoft": 1 }));
      data.close();
      const session = await ort.InferenceSession.create(path);
      const out = await session.run({ x: new ort.Tensor("float32", x, [1, x.length / inF, inF]) });
      await session.release();
      return out.y!.data as Float32Array;
    }

    it("computes x·deq(W)ᵀ exactly at accuracy_level 0 and within int8-activation error at level 4", async () => {
      const inF = 96; // 3 blocks
      const outF = 24;
      const weight = random(outF * inF, 11);
      const x = random(5 * inF, 13);
      const reference = dequantizeInt4(quantizeInt4(weight, outF, inF));
      const expected = await runProjection(FP32_WEIGHTS, reference, inF, outF, x, "ref");
      const exact = await runProjection(
        int4Weights({ blockSize: 32, accuracyLevel: 0 }),
        weight,
        inF,
        outF,
        x,
        "acc0",
      );
      const fast = await runProjection(
        int4Weights({ blockSize: 32, accuracyLevel: 4 }),
        weight,
        inF,
        outF,
        x,
        "acc4",
      );
      const maxDiff = (a: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - expected[i]!)));
      expect(maxDiff(exact)).toBeLessThan(1e-5);
      const scale = Math.max(...expected.map(Math.abs));
      expect(maxDiff(fast)).toBeLessThan(0.02 * scale);
    });
  });
});
