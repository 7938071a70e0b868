/**
 * What the NaN/Inf check costs the registry (`adapters list`, activate, import, export) and the runtime's loader:
 * an adapter shaped like Qwen2.5-Coder-0.5B's at r16 on all seven projections of its 24 layers (8.8M weights),
 * stored as F32 and as BF16, scanned with `findNonFinite` and, for scale, hashed with sha256 (which `list`
 * already does). Median of 7 runs each, file in the page cache.
 *
 *   npx tsx bench/speed/nonfinite-scan.ts
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256File } from "../../generator/src/adapters/registry/bundle.ts";
import { withSafetensors } from "../../runtime/src/safetensors/read.ts";
import { type TensorToWrite, writeSafetensors } from "../../runtime/src/safetensors/write.ts";

const HIDDEN = 896;
const KV = 128;
const INTERMEDIATE = 4864;
const RANK = 16;
const PROJECTIONS: [string, number, number][] = [
  ["self_attn.q_proj", HIDDEN, HIDDEN],
  ["self_attn.k_proj", HIDDEN, KV],
  ["self_attn.v_proj", HIDDEN, KV],
  ["self_attn.o_proj", HIDDEN, HIDDEN],
  ["mlp.gate_proj", HIDDEN, INTERMEDIATE],
  ["mlp.up_proj", HIDDEN, INTERMEDIATE],
  ["mlp.down_proj", INTERMEDIATE, HIDDEN],
];

function tensors(dtype: "F32" | "BF16"): Record<string, TensorToWrite> {
  const out: Record<string, TensorToWrite> = {};
  const make = (n: number) =>
    dtype === "F32"
      ? Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.01)
      : Uint16Array.from({ length: n }, (_, i) => 0x3c00 + (i % 64));
  for (let layer = 0; layer < 24; layer++) {
    for (const [module, inF, outF] of PROJECTIONS) {
      const path = `base_model.model.model.layers.${layer}.${module}`;
      out[`${path}.lora_A.weight`] = { dtype, shape: [RANK, inF], data: make(RANK * inF) };
      out[`${path}.lora_B.weight`] = { dtype, shape: [outF, RANK], data: make(outF * RANK) };
    }
  }
  return out;
}

async function median(run: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[3]!;
}

const dir = mkdtempSync(join(tmpdir(), "repolora-scan-"));
try {
  for (const dtype of ["F32", "BF16"] as const) {
    const path = join(dir, `${dtype}.safetensors`);
    writeSafetensors(path, tensors(dtype));
    const found = withSafetensors(path, (file) => file.findNonFinite());
    if (found) throw new Error(`unexpected non-finite value: ${JSON.stringify(found)}`);
    const scan = await median(() => withSafetensors(path, (file) => file.findNonFinite()));
    const hash = await median(() => sha256File(path));
    const mb = statSync(path).size / 1e6;
    console.log(
      `${dtype}: ${mb.toFixed(1)} MB, findNonFinite ${scan.toFixed(1)} ms, sha256 ${hash.toFixed(1)} ms`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
