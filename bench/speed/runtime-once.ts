/**
 * One runtime benchmark measurement in a fresh process (so each system's RSS is its own); prints one JSON
 * line. Run by bench/speed/runtime-speed.ts, which prepares the files; by hand:
 *
 *   npx tsx bench/speed/runtime-once.ts ort <package dir> <prompt tokens> <decode tokens> <threads> [adapter dir]
 *   npx tsx bench/speed/runtime-once.ts llama <model.gguf> <prompt tokens> <decode tokens> <threads> <node-llama-cpp dir> [lora.gguf]
 *   npx tsx bench/speed/runtime-once.ts server <package dir> <adapter A> <adapter B> <threads>
 *
 * ort / llama: a warm-up, then `reps` timed runs of prefill (the whole prompt) and `decode` greedy steps after
 * it; medians. server: hot-swap latency and prefix reuse through the real server code (RuntimeService).
 */
import { loadPeftAdapter } from "../../runtime/src/adapter/peft-adapter.ts";
import { DecoderEngine } from "../../runtime/src/engine/decoder-engine.ts";
import { EngineClient } from "../../runtime/src/engine/engine-client.ts";
import { openModelPackage } from "../../runtime/src/model/package.ts";
import { silentLogger } from "../../runtime/src/server/log.ts";
import { RuntimeService } from "../../runtime/src/server/service.ts";
import { type LlamaSequence, loadLlamaModel } from "./node-llama.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rssMiB = () => Math.round(process.memoryUsage.rss() / 2 ** 20);

/** Deterministic prompt ids in [first, last): the same prompt for every system. */
function promptIds(n: number, first: number, last: number): number[] {
  let state = 12345;
  return Array.from({ length: n }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return first + (state % (last - first));
  });
}

interface Measured {
  prefillMs: number;
  decodeTokPerSec: number;
}

/** Something that can prefill the bench prompt and then decode `decode` tokens, timed. */
interface Runner {
  name: string;
  run(prompt: number[], decode: number): Promise<Measured>;
}

/**
 * An engine as the server's worker makes it: LoRA branches only on the layers `adapter` changes (none without
 * one); with `everyBranch`, the graph with a branch on every layer (what every session ran before 2026-12-06).
 */
async function ortEngine(
  packageDir: string,
  threads: number,
  options: { adapter?: string; everyBranch?: boolean } = {},
): Promise<DecoderEngine> {
  const pkg = openModelPackage(packageDir);
  const engine = await DecoderEngine.create(pkg, {
    intraOpNumThreads: threads,
    loraLayers: options.everyBranch ? "all" : [],
  });
  if (options.adapter)
    await engine.coverLayers(engine.adapterLayers(loadPeftAdapter(options.adapter, pkg.lora)));
  return engine;
}

/** With an adapter, the same session as without: the adapter is fed as inputs before each run. */
function ortRunner(name: string, engine: DecoderEngine, adapter?: string): Runner {
  const tensors = adapter ? loadPeftAdapter(adapter, engine.pkg.lora) : null;
  return {
    name,
    async run(prompt, decode) {
      engine.setAdapter(tensors);
      // decode + 1 tokens chosen = `decode` forward steps after the prefill
      const result = await engine.generate(prompt, { maxNewTokens: decode + 1, stopTokenIds: [] });
      return { prefillMs: result.prefillMs, decodeTokPerSec: (decode * 1000) / result.decodeMs };
    },
  };
}

async function llamaRunners(
  gguf: string,
  threads: number,
  dir: string,
  lora?: string,
): Promise<{ plain: Runner; lora: Runner | null }> {
  const model = await loadLlamaModel(dir, gguf);
  const options = { contextSize: 2048, batchSize: 512, threads };
  const runner = (name: string, sequence: LlamaSequence): Runner => ({
    name,
    async run(prompt, decode) {
      await sequence.clearHistory();
      const prefillStart = performance.now();
      await sequence.evaluateWithoutGeneratingNewTokens(prompt);
      const prefillMs = performance.now() - prefillStart;
      // `decode` steps: each yielded token is one forward of the token before it.
      const decodeStart = performance.now();
      let n = 0;
      for await (const _ of sequence.evaluate([prompt[0]!], { temperature: 0 })) if (++n >= decode) break;
      return { prefillMs, decodeTokPerSec: (decode * 1000) / (performance.now() - decodeStart) };
    },
  });
  const plain = runner("llama.cpp Q4_0", (await model.createContext(options)).getSequence());
  const withLora = lora
    ? runner(
        "llama.cpp Q4_0 + r16",
        (
          await model.createContext({ ...options, lora: { adapters: [{ filePath: lora, scale: 1 }] } })
        ).getSequence(),
      )
    : null;
  return { plain, lora: withLora };
}

/**
 * Every runner in one process, interleaved measurement by measurement: load that comes and goes on a shared
 * machine hits all of them alike, so per-repetition ratios are paired.
 */
async function paired(runners: Runner[], promptTokens: number, decode: number, reps: number) {
  const prompt = promptIds(promptTokens, 100, 20_000);
  for (const runner of runners) await runner.run(prompt, 4); // warm-up
  const results: Record<string, Measured[]> = {};
  for (let rep = 0; rep < reps; rep++) {
    for (const runner of runners) {
      const rows = results[runner.name] ?? [];
      rows.push(await runner.run(prompt, decode));
      results[runner.name] = rows;
    }
  }
  return results;
}

/** One system alone in this process, for its memory: load time and peak RSS after a prefill and decode. */
async function alone(runner: Promise<Runner>, promptTokens: number, decode: number) {
  const start = performance.now();
  const ready = await runner;
  const loadMs = performance.now() - start;
  const measured = await ready.run(promptIds(promptTokens, 100, 20_000), decode);
  return { loadMs, rssMiB: rssMiB(), ...measured };
}

/** Hot swap and prefix reuse through the server's own code path (worker engine, prompt builder, stop rules). */
async function server(packageDir: string, adapterA: string, adapterB: string, threads: number) {
  // Switch latency at the engine: the worker looks up cached tensors and feeds them; no session work.
  const client = await EngineClient.start(packageDir, { intraOpNumThreads: threads });
  await client.loadAdapter("A", adapterA);
  await client.loadAdapter("B", adapterB);
  const timed = async (adapters: { key: string; weight: number }[]) => {
    const start = performance.now();
    await client.setAdapters(adapters);
    return performance.now() - start;
  };
  const firstSwitch = {
    A: await timed([{ key: "A", weight: 1 }]),
    B: await timed([{ key: "B", weight: 1 }]),
  };
  const stackFirst = await timed([
    { key: "A", weight: 1 },
    { key: "B", weight: 0.5 },
  ]);
  const switches: number[] = [];
  const stackSwitches: number[] = [];
  for (let i = 0; i < 20; i++) {
    switches.push(await timed([{ key: i % 2 ? "A" : "B", weight: 1 }]));
    stackSwitches.push(
      await timed([
        { key: "A", weight: 1 },
        { key: "B", weight: 0.5 },
      ]),
    );
  }
  const info = await client.info();
  await client.close();

  // Prefix reuse: a ~500-token prompt (byte tokenizer: one token per character), then typing forward.
  const service = new RuntimeService({ log: silentLogger });
  await service.initialize({ protocolVersion: 1, modelPackage: packageDir, threads });
  await service.loadAdapter({ key: "A", dir: adapterA });
  await service.loadAdapter({ key: "B", dir: adapterB });
  service.setWorkspaceAdapters({ workspace: "ws-B", adapters: [{ key: "B", weight: 1 }] });
  const line = "  const value = compute(input, options);\n";
  const prefix = `export function run(input: Input, options: Options) {\n${line.repeat(11)}  return `;
  const request = (workspace: string, typed: string, id: number) =>
    service.complete(id, {
      workspace,
      documentUri: `file:///${workspace}.ts`,
      path: "src/run.ts",
      languageId: "typescript",
      repoName: "bench",
      prefix: prefix + typed,
      suffix: "\n}\n",
      context: [],
      multiline: false,
      maxTokens: 4,
    });
  const cold: number[] = [];
  const warm: number[] = [];
  const coldTotal: number[] = [];
  const warmTotal: number[] = [];
  let promptTokens = 0;
  let reused = 0;
  let id = 1;
  for (let rep = 0; rep < 4; rep++) {
    const workspace = `ws-A-${rep}`; // a fresh workspace: its first request is cold
    service.setWorkspaceAdapters({ workspace, adapters: [{ key: "A", weight: 1 }] });
    const first = await request(workspace, "", id++);
    await request("ws-B", "x", id++); // another window completes in between; this one's cache survives
    const typed = await request(workspace, "a", id++); // one character typed: the prompt extends the last one
    if (rep === 0) continue; // warm-up
    cold.push(first.timings.prefillMs);
    coldTotal.push(first.timings.totalMs);
    warm.push(typed.timings.prefillMs);
    warmTotal.push(typed.timings.totalMs);
    promptTokens = typed.promptTokens;
    reused = typed.reusedPromptTokens;
  }
  await service.shutdown();
  return {
    switchMs: {
      firstA: firstSwitch.A,
      firstB: firstSwitch.B,
      median: median(switches),
      max: Math.max(...switches),
    },
    stackSwitchMs: { first: stackFirst, median: median(stackSwitches) },
    sessionsCreated: info.sessionsCreated,
    prefixReuse: {
      promptTokens,
      reusedPromptTokens: reused,
      coldPrefillMs: median(cold),
      warmPrefillMs: median(warm),
      coldTotalMs: median(coldTotal),
      warmTotalMs: median(warmTotal),
    },
  };
}

const [mode, ...args] = process.argv.slice(2);
const num = (i: number) => Number(args[i]);
let result: unknown;
if (mode === "paired") {
  // paired <int4 pkg> <fp32 pkg|-> <adapter> <gguf|-> <lora gguf|-> <llama dir|-> <prompt> <decode> <threads> <reps>
  const [int4, fp32, adapter, gguf, lora, llamaDir] = args as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const threads = num(8);
  const everyBranch = await ortEngine(int4, threads, { everyBranch: true });
  const runners: Runner[] = [ortRunner("ort int4", await ortEngine(int4, threads))];
  const llamas =
    gguf !== "-" ? await llamaRunners(gguf, threads, llamaDir, lora !== "-" ? lora : undefined) : null;
  if (llamas) runners.push(llamas.plain);
  runners.push(ortRunner("ort int4 + r16", await ortEngine(int4, threads, { adapter }), adapter));
  if (llamas?.lora) runners.push(llamas.lora);
  // the same package with a LoRA branch on every layer, as before: the change's own before/after, paired
  runners.push(ortRunner("ort int4, every branch", everyBranch));
  runners.push(ortRunner("ort int4 + r16, every branch", everyBranch, adapter));
  if (fp32 !== "-") runners.push(ortRunner("ort fp32", await ortEngine(fp32, threads)));
  result = await paired(runners, num(6), num(7), num(9));
} else if (mode === "alone-ort") {
  result = await alone(
    ortEngine(args[0]!, num(3)).then((engine) => ortRunner("ort", engine)),
    num(1),
    num(2),
  );
} else if (mode === "alone-llama") {
  result = await alone(
    llamaRunners(args[0]!, num(3), args[4]!).then((r) => r.plain),
    num(1),
    num(2),
  );
} else if (mode === "server") result = await server(args[0]!, args[1]!, args[2]!, num(3));
else throw new Error("usage: runtime-once.ts paired|alone-ort|alone-llama|server … (see the header)");
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
