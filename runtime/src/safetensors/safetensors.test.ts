import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SafetensorsError } from "../errors.ts";
import {
  describeNonFinite,
  firstNonFinite,
  float16ToFloat32,
  type SafetensorsDtype,
  SafetensorsFile,
  withSafetensors,
} from "./read.ts";
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

  // Raw bit patterns per dtype: the largest finite value, a subnormal, ±Inf, and NaNs with various mantissas.
  const f32 = (...words: number[]) => new Uint8Array(Uint32Array.from(words).buffer);
  const u16 = (...words: number[]) => new Uint8Array(Uint16Array.from(words).buffer);
  const f64 = (...values: number[]) => new Uint8Array(Float64Array.from(values).buffer);
  it.each<[string, SafetensorsDtype, Uint8Array, ReturnType<typeof firstNonFinite>]>([
    ["finite f32 up to the largest", "F32", f32(0x3f800000, 0x7f7fffff, 0xff7fffff, 0x00000001), null],
    ["f32 NaN", "F32", f32(0x3f800000, 0x7fc00000), { index: 1, value: "NaN" }],
    ["f32 -Inf", "F32", f32(0, 0, 0xff800000), { index: 2, value: "-Inf" }],
    ["finite f16 up to the largest", "F16", u16(0x3c00, 0x7bff, 0xfbff, 0x0001), null],
    ["f16 +Inf", "F16", u16(0x3c00, 0x7c00), { index: 1, value: "+Inf" }],
    ["f16 NaN (low mantissa bit)", "F16", u16(0x7c01), { index: 0, value: "NaN" }],
    ["finite bf16 up to the largest", "BF16", u16(0x3f80, 0x7f7f, 0xff7f, 0x0001), null],
    [
      "bf16 NaN: exponent all ones, mantissa ≠ 0",
      "BF16",
      u16(0x3f80, 0x3f80, 0xff81),
      { index: 2, value: "NaN" },
    ],
    ["bf16 +Inf", "BF16", u16(0x7f80), { index: 0, value: "+Inf" }],
    ["f64 NaN", "F64", f64(1, Number.NaN), { index: 1, value: "NaN" }],
    ["integers are always finite", "I32", f32(0x7fc00000), null],
  ])("finds non-finite values by their bits: %s", (_, dtype, bytes, expected) => {
    expect(firstNonFinite(bytes, dtype)).toEqual(expected);
  });

  it("scans a whole file and names the first tensor holding NaN, even when its data is misaligned", () => {
    const path = join(dir, "nonfinite.safetensors");
    writeSafetensors(path, {
      flag: { dtype: "U8", shape: [3], data: Uint8Array.of(0xff, 0xff, 0xff) }, // shifts what follows off alignment
      ok: { dtype: "BF16", shape: [2], data: Uint16Array.of(0x3f80, 0xbf80) },
      bad: { dtype: "F32", shape: [2, 2], data: Float32Array.of(1, 2, Number.NaN, 4) },
    });
    withSafetensors(path, (file) => {
      const found = file.findNonFinite();
      expect(found).toEqual({ tensor: "bad", dtype: "F32", index: 2, value: "NaN" });
      expect(describeNonFinite(found!)).toBe("tensor bad holds NaN at element 2 (F32)");
    });
    const clean = join(dir, "finite.safetensors");
    writeSafetensors(clean, { w: { dtype: "F16", shape: [2], data: Uint16Array.of(0x3c00, 0x7bff) } });
    expect(withSafetensors(clean, (file) => file.findNonFinite())).toBeNull();
  });
});
