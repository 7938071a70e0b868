/**
 * What LoRA branches on layers no adapter changes cost (decisions/2026-12-06-lora-layers.md): decode tok/s of
 * one package as the server's worker runs it (branches only on the adapter's layers) and with a branch on every
 * layer, with and without the adapter, all interleaved in one process; and the time to open each.
 *
 *   npx tsx bench/speed/lora-branches.ts <package dir> [--adapter runtime/default-adapter] [--reps 9] [--threads 2]
 *
 * Prints per configuration the median decode tok/s (prompt 512 tokens, 32 steps) and the paired ratios.
 */
import { parseArgs } from "node:util";
import { loadPeftAdapter } from "../../runtime/src/adapter/peft-adapter.ts";
import { DecoderEngine } from "../../runtime/src/engine/decoder-engine.ts";
import { openModelPackage } from "../../runtime/src/model/package.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    adapter: { type: "string", default: "runtime/default-adapter" },
    reps: { type: "string", default: "9" },
    threads: { type: "string", default: "2" },
  },
});
if (!positionals[0])
  throw new Error("usage: lora-branches.ts <package dir> [--adapter dir] [--reps n] [--threads n]");
const pkg = openModelPackage(positionals[0]);
const adapter = loadPeftAdapter(values.adapter, pkg.lora);
const threads = Number(values.threads);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Opening: one session with every branch, against the worker's way (none, then the adapter's layers).
let t = performance.now();
const every = await DecoderEngine.create(pkg, { intraOpNumThreads: threads });
const everyOpenMs = performance.now() - t;
t = performance.now();
const lean = await DecoderEngine.create(pkg, { intraOpNumThreads: threads, loraLayers: [] });
const leanOpenMs = performance.now() - t;
await lean.coverLayers(lean.adapterLayers(adapter));
const leanCoveredMs = performance.now() - t;
const none = await DecoderEngine.create(pkg, { intraOpNumThreads: threads, loraLayers: [] });

const prompt = Array.from({ length: 512 }, (_, i) => 100 + ((i * 7919) % 20000));
const configs = [
  ["no branch, no adapter", none, null],
  ["adapter's layers, no adapter", lean, null],
  ["adapter's layers, adapter", lean, adapter],
  ["every branch, no adapter", every, null],
  ["every branch, adapter", every, adapter],
] as const;
const tokPerSec: Record<string, number[]> = Object.fromEntries(configs.map(([name]) => [name, []]));
for (let rep = 0; rep < Number(values.reps); rep++)
  for (const [name, engine, tensors] of configs) {
    engine.setAdapter(tensors);
    const result = await engine.generate(prompt, { maxNewTokens: 33, stopTokenIds: [] });
    tokPerSec[name]!.push((32 * 1000) / result.decodeMs);
  }
const paired = (a: string, b: string) => median(tokPerSec[a]!.map((x, i) => x / tokPerSec[b]![i]!));
console.log(
  JSON.stringify(
    {
      open: {
        everyBranchMs: everyOpenMs,
        noBranchMs: leanOpenMs,
        noBranchThenAdapterLayersMs: leanCoveredMs,
      },
      decodeTokPerSecMedian: Object.fromEntries(Object.entries(tokPerSec).map(([k, v]) => [k, median(v)])),
      paired: {
        "no branch ÷ every branch, no adapter": paired("no branch, no adapter", "every branch, no adapter"),
        "adapter's layers ÷ every branch, adapter": paired(
          "adapter's layers, adapter",
          "every branch, adapter",
        ),
      },
    },
    null,
    2,
  ),
);
for (const engine of [every, lean, none]) await engine.release();
