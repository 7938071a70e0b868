import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SafetensorsError } from "../errors.ts";
import { float16ToFloat32, SafetensorsFile, withSafetensors } from "./read.ts";
import { encodeSafetensors, writeSafetensors } from "./write.ts";

const dir = mkdtempSync(join(tmpdir(), "repolora-safetensors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("safetensors", () => {
  it("round-trips F32 and I64 tensors with their shapes and metadata", () => {
    const path = join(dir, "roundtrip.safetensors");
    const weights = Float32Array.from({ length: 6 }, (_, i) => i * 0.5 - 1);
    writeSafetensors(
      path,
      {
        "layer.weight": { dtype: "F32", shape: [2, 3], data: weights },
        ids: { dtype: "I64", shape: [3], data: BigInt64Array.of(7n, -1n, 300n) },
      },
      { format: "pt" },
    );
    withSafetensors(path, (file) => {
      expect(file.names().sort()).toEqual(["ids", "layer.weight"]);
      expect(file.info("layer.weight")).toMatchObject({ dtype: "F32", shape: [2, 3] });
      expect(Array.from(file.float32("layer.weight"))).toEqual(Array.from(weights));
      expect(Array.from(file.int64("ids"))).toEqual([7n, -1n, 300n]);
      expect(file.metadata).toEqual({ format: "pt" });
    });
  });

  it("widens bf16 and fp16 exactly, including subnormals, infinities and NaN", () => {
    // bf16 is the top 16 bits of a float32
    const floats = Float32Array.of(1, -2.5, 3.140625, 0);
    const bf16 = Uint16Array.from(new Uint32Array(floats.buffer), (w) => w >>> 16);
    const fp16 = Uint16Array.of(0x3c00, 0xc000, 0x0001, 0x7c00, 0xfc00, 0x7e00, 0x3555);
    const path = join(dir, "half.safetensors");
    writeSafetensors(path, {
      bf: { dtype: "BF16", shape: [4], data: bf16 },
      half: { dtype: "F16", shape: [7], data: fp16 },
    });
    withSafetensors(path, (file) => {
      expect(Array.from(file.float32("bf"))).toEqual([1, -2.5, 3.140625, 0]);
      const half = file.float32("half");
      expect(Array.from(half.subarray(0, 5))).toEqual([
        1,
        -2,
        2 ** -24,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ]);
      expect(half[5]).toBeNaN();
      expect(half[6]).toBeCloseTo(1 / 3, 3);
    });
    expect(float16ToFloat32(0x7bff)).toBe(65504);
  });

  it("refuses a truncated file, a lying header and a wrong dtype, naming the tensor", () => {
    const good = encodeSafetensors({ w: { dtype: "F32", shape: [4], data: new Float32Array(4) } });
    const truncated = join(dir, "truncated.safetensors");
    writeFileSync(truncated, good.subarray(0, good.length - 4));
    expect(() => SafetensorsFile.open(truncated)).toThrow(/w \[4\] F32 needs 16 bytes/);

    const header = new TextEncoder().encode(
      JSON.stringify({ w: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }),
    );
    const lying = new Uint8Array(8 + header.length + 16);
    new DataView(lying.buffer).setBigUint64(0, BigInt(header.length), true);
    lying.set(header, 8);
    const lyingPath = join(dir, "lying.safetensors");
    writeFileSync(lyingPath, lying);
    expect(() => SafetensorsFile.open(lyingPath)).toThrow(SafetensorsError);

    const notJson = join(dir, "garbage.safetensors");
    writeFileSync(notJson, new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b]));
    expect(() => SafetensorsFile.open(notJson)).toThrow(/header is not a JSON object/);

    const ints = join(dir, "ints.safetensors");
    writeSafetensors(ints, { ids: { dtype: "I32", shape: [2], data: Int32Array.of(1, 2) } });
    withSafetensors(ints, (file) => {
      expect(() => file.float32("ids")).toThrow(/ids is I32, expected a floating-point tensor/);
      expect(Array.from(file.int64("ids"))).toEqual([1n, 2n]);
      expect(() => file.float32("nope")).toThrow(/no tensor named "nope"/);
    });
  });
});
