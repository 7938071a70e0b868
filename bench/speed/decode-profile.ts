/**
 * Where a decode step's time goes in onnxruntime-node: per operator type (onnxruntime's own profiler) and the
 * rest of `session.run` (binding, input wrapping, output copies), at several cache lengths.
 *
 *   npx tsx bench/speed/decode-profile.ts <package dir> [--adapter <dir>] [--threads 2] [--contexts 64,512,1024] [--steps 16]
 *
 * For each context length: one prefill of that many tokens (not profiled), then `steps` timed decode steps.
 * Prints one JSON object: per context the median step wall time, the median kernel time the profiler saw,
 * and the kernel time per operator type (median over steps).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { loadPeftAdapter } from "../../runtime/src/adapter/peft-adapter.ts";
import { DecoderEngine } from "../../runtime/src/engine/decoder-engine.ts";
import { openModelPackage } from "../../runtime/src/model/package.ts";

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

const PROFILE_PREFIX = join(tmpdir(), `decode-profile-${process.pid}`);

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function promptIds(n: number): number[] {
  let state = 12345;
  return Array.from({ length: n }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 200 + (state % 30000);
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      adapter: { type: "string" },
      threads: { type: "string", default: "2" },
      contexts: { type: "string", default: "64,512,1024" },
      steps: { type: "string", default: "16" },
    },
  });
  const packageDir = positionals[0];
  if (!packageDir) throw new Error("usage: decode-profile.ts <package dir> [--adapter <dir>] [--threads N]");
  const pkg = openModelPackage(packageDir);
  const threads = Number(values.threads);
  const steps = Number(values.steps);
  // A plain engine for the timed steps, a profiling session on the same graph for the per-operator split.
  const engine = await DecoderEngine.create(pkg, { intraOpNumThreads: threads });
  const profiled = await ort.InferenceSession.create(pkg.modelPath, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    enableProfiling: true,
    profileFilePrefix: PROFILE_PREFIX,
  });
  const profiledEngine = Object.assign(Object.create(Object.getPrototypeOf(engine)), engine, {
    session: profiled,
  }) as DecoderEngine;
  if (values.adapter) {
    const adapter = loadPeftAdapter(values.adapter, pkg.lora);
    engine.setAdapter(adapter);
    profiledEngine.setAdapter(adapter);
  }
  const results = [];
  for (const context of values.contexts.split(",").map(Number)) {
    const prompt = promptIds(context);
    let { cache } = await engine.forward(prompt, engine.emptyCache());
    const walls: number[] = [];
    let token = 300;
    for (let i = 0; i < steps + 2; i++) {
      const start = performance.now();
      const out = await engine.forward([token], cache);
      if (i >= 2) walls.push(performance.now() - start); // two warm-up steps
      cache = out.cache;
      token = 300 + i;
    }
    // the same steps through the profiling session, from the same prefill
    ({ cache } = await profiledEngine.forward(prompt, profiledEngine.emptyCache()));
    for (let i = 0; i < steps; i++) cache = (await profiledEngine.forward([300 + i], cache)).cache;
    results.push({ context, steps, stepMsMedian: median(walls), stepMsMin: Math.min(...walls) });
  }
  profiled.endProfiling(); // the node binding returns nothing: the file is <prefix>_<timestamp>.json
  await profiled.release();
  const file = readdirSync(dirname(PROFILE_PREFIX))
    .filter((name) => name.startsWith(basename(PROFILE_PREFIX)))
    .map((name) => join(dirname(PROFILE_PREFIX), name))
    .sort()
    .at(-1);
  if (!file) throw new Error(`no onnxruntime profile under ${PROFILE_PREFIX}*`);
  // Each context's block of profiled runs: a prefill then `steps` decode runs; keep only decode runs.
  const events = JSON.parse(readFileSync(file, "utf8")) as ProfileEvent[];
  rmSync(file, { force: true });
  const runs: ProfileEvent[][] = [];
  let current: ProfileEvent[] = [];
  for (const event of events) {
    if (event.cat === "Node" && event.name.endsWith("_kernel_time")) current.push(event);
    if (event.cat === "Session" && event.name === "model_run") {
      runs.push(current);
      current = [];
    }
  }
  const perContext = results.map((result, index) => {
    const block = runs.slice(index * (steps + 1) + 1, (index + 1) * (steps + 1));
    const totals = block.map((run) => run.reduce((sum, e) => sum + e.dur, 0) / 1000);
    const byOp = new Map<string, number[]>();
    for (const run of block) {
      const sums = new Map<string, number>();
      for (const e of run) {
        const op = e.args?.op_name ?? "?";
        sums.set(op, (sums.get(op) ?? 0) + e.dur / 1000);
      }
      for (const [op, ms] of sums) byOp.set(op, [...(byOp.get(op) ?? []), ms]);
    }
    const ops = Object.fromEntries(
      [...byOp].map(([op, ms]) => [op, Number(median(ms).toFixed(3))] as const).sort((a, b) => b[1] - a[1]),
    );
    return { ...result, kernelMsMedian: Number(median(totals).toFixed(3)), ops };
  });
  console.log(JSON.stringify({ packageDir, adapter: values.adapter ?? null, threads, perContext }, null, 1));
  await engine.release();
}

await main();
