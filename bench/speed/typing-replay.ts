/**
 * Keystroke → completion latency while typing mid-file, against a real `repolora serve` child process, through
 * the extension's own completion pipeline (prefilter, cache with walk-back/forward, the request it sends).
 *
 *   npx tsx bench/speed/typing-replay.ts <model package dir> [options]
 *   npx tsx bench/speed/typing-replay.ts --tiny [options]        # a tiny random-weight Qwen2 made on the spot
 *
 * Options: --adapter <dir> (bound to the workspace), --source <folder> (files to type in; default runtime/src
 * of this checkout), --files N (8), --keystrokes N (240, spread over the files), --threads N (2),
 * --timeout-ms N (1000; 0 = no cap), --suffix-share X (0.2), --json (one JSON line per run instead of the table),
 * --anchor on|off|both (on): the server's typing anchor with token healing (runtime/src/server/typing-anchor.ts,
 * the server's default; off = `serve --no-typing-anchor`, every keystroke's prompt built afresh); both = one
 * fresh server each, off first.
 * --template psm|spm|both (psm): the prompt order, which the runtime takes from the bound adapter's bundle
 * (repolora.json prompt.template). With --tiny each order gets the same random adapter, its bundle recording
 * that order; with a real package, psm binds --adapter and spm binds --spm-adapter (an adapter trained with
 * the qwen2.5-coder-spm template). `both` replays the same session once per order, one fresh server each.
 * --pause-ms N[,N…] (0): where a line's typing starts (a new file, or the cursor moved rather than typed) the
 * extension's warm-up (CompletionPipeline.warm) is sent and the first keystroke comes N ms later — in the
 * editor, a rest of `completion.warmUpMs` (500) + N ms; 0 = no rest, no warm-up. A list replays once per value.
 * --auto-close: the suffix as VS Code's default auto-closing makes it (withAutoClosing): typing `(` puts `)`
 * after the cursor until it is typed over.
 * --key-gap-ms N (0): the user waits N ms after each answer before the next keystroke (idle time the server
 * can use: the background prefill after a short-prompt answer runs only there); 0 = the next key at once.
 * --short-prompt on|off|both (on): the server's short prompt at a cold place under the time cap (off = `serve
 * --no-short-prompt`; both = one fresh server each, off first).
 * --trace <file.jsonl>: one JSON line per model answer (file, latency, single/multi-line, tokens fed and
 * generated, stop reason, the runtime's prefill/decode), appended, to see what sets the tail.
 * --gguf <model.gguf> [--lora-gguf <psm adapter.gguf>] [--spm-lora-gguf <spm adapter.gguf>] [--llama-dir
 * /tmp/nlc]: after the runtime answered a keystroke (outside its timed span), the same prompt token ids go through node-llama-cpp
 * (installed outside the project, see runtime-speed.ts) with its own prefix reuse, decoding as many tokens as
 * the runtime did (bench/speed/llama-replay.ts); reported side by side, with the paired ratio. GGUFs of the
 * same weights: runtime/tools/hf_to_gguf.py model <HF folder> out.gguf --type q4_0, and `lora <adapter> <HF
 * folder> out.gguf`.
 *
 * The session: in each of N files (.ts, not tests, in path order, every k-th), the line at the middle of the
 * file with ≥ 20 lines below it is typed again, character by character; when it is shorter than the file's
 * share of keystrokes, the lines after it are typed too (from their indentation, as if Enter and auto-indent
 * came before). The suffix (code below the cursor) is everything after the last line typed in that file, the
 * same for every keystroke there: the typed lines are new code, which does not exist below the cursor before
 * it is typed. (Until 2026-12-06 the suffix was everything after the line being typed, so it lost a line at
 * each Enter — which no editing does — and renewed the typing anchor there.) Each keystroke is one pipeline call, answered before the next keystroke (a
 * user pausing after every key; no debounce), so each latency is one request's, with the runtime's prompt
 * cache warm from the keystroke before. Reported: p50 / p95 / max of keystroke → answer over the keystrokes
 * that asked the model (empty answers included), how many showed ghost text, came from the cache or were
 * skipped by the prefilter, and how many hit the time cap.
 */
import { spawn } from "node:child_process";
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CompletionCache } from "../../extension/src/core/completion-cache.ts";
import { ContextRing } from "../../extension/src/core/context-ring.ts";
import { Debouncer } from "../../extension/src/core/debounce.ts";
import { silentLogger } from "../../extension/src/core/log.ts";
import {
  type CompleteParams,
  type CompleteResult,
  CompletionPipeline,
  DEFAULT_PIPELINE_SETTINGS,
} from "../../extension/src/core/pipeline.ts";
import { RpcClient } from "../../extension/src/core/rpc-client.ts";
import { openModelPackage, prepareModelPackage } from "../../runtime/src/model/package.ts";
import { loadTokenizer } from "../../runtime/src/model/tokenizer.ts";
import { DEFAULT_BUDGET, getTemplate } from "../../runtime/src/prompt/index.ts";
import { PROTOCOL_VERSION } from "../../runtime/src/protocol/index.ts";
import { requestPrompt } from "../../runtime/src/server/request-prompt.ts";
import { SHORT_PROMPT_TOKENS } from "../../runtime/src/server/service.ts";
import { typingAnchorsFor } from "../../runtime/src/server/typing-anchor.ts";
import { TINY_QWEN2, writeRandomAdapter, writeRandomModel } from "../../runtime/src/testing/random-model.ts";
import { LlamaReplayer, type LlamaTimed } from "./llama-replay.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MIN_LINES_BELOW = 20;
/** An answer that fed at most this many prompt tokens again counts as warm (typing on in a file). */
const WARM_PREFILL = 32;
const TINY_ID = "repolora-tiny/qwen2-random";
/** The template ids behind the --template names (runtime/src/prompt/templates.ts). */
const ORDERS = { psm: "qwen2.5-coder", spm: "qwen2.5-coder-spm" } as const;
type Order = keyof typeof ORDERS;

interface Keystroke {
  path: string;
  prefix: string;
  suffix: string;
}

/** The typing session: one re-typed line per file, every character a keystroke. */
export function typingSession(folder: string, files: number, keystrokes: number): Keystroke[] {
  // Files long enough to type mid-file with MIN_LINES_BELOW lines below the cursor.
  const all = listTs(folder)
    .sort()
    .filter((f) => readFileSync(f, "utf8").split("\n").length > 2 * MIN_LINES_BELOW);
  if (all.length === 0) throw new Error(`${folder}: no .ts files to type in; pass --source <folder>`);
  const step = Math.max(1, Math.floor(all.length / files));
  const chosen = all.filter((_, i) => i % step === 0).slice(0, files);
  const perFile = Math.ceil(keystrokes / chosen.length);
  const session: Keystroke[] = [];
  for (const file of chosen) {
    const lines = readFileSync(file, "utf8").split("\n");
    let at = Math.floor(lines.length / 2);
    while (at > 0 && (lines[at]!.trim().length < 8 || lines.length - at - 1 < MIN_LINES_BELOW)) at -= 1;
    // A line shorter than the file's share of keystrokes is finished and the next one typed (Enter implied).
    const typedRows: Array<{ row: number; typed: number }> = [];
    for (let row = at; typedRows.length < perFile && lines.length - row - 1 >= MIN_LINES_BELOW; row += 1) {
      const line = lines[row]!;
      const indent = line.length - line.trimStart().length;
      for (let typed = indent + 1; typed <= line.length && typedRows.length < perFile; typed += 1)
        typedRows.push({ row, typed });
    }
    // The lines typed are new code: what is below the cursor all along is the code after the last of them
    // (the lines still to be typed do not exist yet), as when a user writes a block mid-file.
    const lastRow = typedRows.at(-1)?.row ?? at;
    const below = `\n${lines.slice(lastRow + 1).join("\n")}`;
    for (const { row, typed } of typedRows)
      session.push({
        path: relative(folder, file),
        prefix: `${lines.slice(0, row).join("\n")}\n${lines[row]!.slice(0, typed)}`,
        suffix: below,
      });
  }
  return session.slice(0, keystrokes);
}

/** Whether `key` is typed right after `previous` (same file, its prefix extended), not after a cursor move. */
function continuesTyping(previous: Keystroke | null, key: Keystroke): boolean {
  return previous !== null && previous.path === key.path && key.prefix.startsWith(previous.prefix);
}

const CLOSER_OF: Record<string, string> = { "(": ")", "[": "]", "{": "}", '"': '"', "'": "'", "`": "`" };

/**
 * The session as VS Code types it with its default auto-closing: an opener typed on a line puts its closer
 * right after the cursor (quotes not after a word character), and typing that closer steps over it. Closers
 * are kept within a line: a line break (or the cursor moving elsewhere) ends them, as if they sat on the line's
 * end. The typed text is unchanged; only the suffix gains the pending closers.
 */
export function withAutoClosing(session: readonly Keystroke[]): Keystroke[] {
  const out: Keystroke[] = [];
  let pending: string[] = []; // closers after the cursor, innermost last
  let previous: Keystroke | null = null;
  for (const key of session) {
    const continues = continuesTyping(previous, key);
    const typed = continues ? key.prefix.slice(previous!.prefix.length) : key.prefix.slice(-1);
    if (!continues) pending = [];
    for (const [i, ch] of [...typed].entries()) {
      const before = i > 0 ? typed[i - 1]! : (key.prefix[key.prefix.length - typed.length - 1] ?? "\n");
      if (ch === "\n") pending = [];
      else if (pending.at(-1) === ch) pending.pop();
      else if (CLOSER_OF[ch] && !(`"'\``.includes(ch) && /\w/.test(before))) pending.push(CLOSER_OF[ch]!);
    }
    out.push({ ...key, suffix: `${[...pending].reverse().join("")}${key.suffix}` });
    previous = key;
  }
  return out;
}

function listTs(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) out.push(...listTs(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

export const percentile = (xs: number[], q: number) =>
  xs.length === 0
    ? Number.NaN
    : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

interface ReplayOptions {
  packageDir: string;
  adapter: string | null;
  order: Order;
  session: Keystroke[];
  threads: number;
  timeoutMs: number;
  suffixShare: number;
  /** The server keeps each document's prompt while typing and appends the typed text (`serve --typing-anchor`). */
  typingAnchor: boolean;
  /** The same prompts through node-llama-cpp after the runtime answered each, outside its timing (paired per keystroke). */
  llama: { dir: string; gguf: string; lora: string | null } | null;
  /** Rest before typing where the cursor arrived, with a warm-up request sent on arrival; 0 = none. */
  pauseMs: number;
  /** Where one JSON line per model answer is appended; null = none. */
  trace: string | null;
  /** `serve --no-short-prompt` when false. */
  shortPrompt: boolean;
  /** Idle ms after each answer before the next keystroke. */
  keyGapMs: number;
}

/** One replay of the session against a fresh `repolora serve`; returns its report. */
async function replay(options: ReplayOptions) {
  const { session } = options;
  const server = spawn(
    process.execPath,
    [
      join(ROOT, "bin/repolora.mjs"),
      "serve",
      "--model",
      options.packageDir,
      options.typingAnchor ? "--typing-anchor" : "--no-typing-anchor",
      ...(options.shortPrompt ? [] : ["--no-short-prompt"]),
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  server.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  const rpc = new RpcClient(server.stdout, server.stdin);
  try {
    const init = await rpc.request("initialize", {
      protocolVersion: PROTOCOL_VERSION,
      modelPackage: "",
      threads: options.threads,
    });
    const workspace = "file:///bench";
    if (options.adapter) {
      await rpc.request("loadAdapter", { key: "bench", dir: options.adapter });
      await rpc.request("setWorkspaceAdapters", { workspace, adapters: [{ key: "bench", weight: 1 }] });
    }
    /** The runtime's answer to the current keystroke, if it asked the model (empty answers included). */
    let answer: CompleteResult | null = null;
    const llama = options.llama ? await llamaSide(options) : null;
    /** Per model answer: the runtime's prefill + decode and llama.cpp's time for the same prompt and tokens. */
    const pairs: Array<{ ort: number; llama: LlamaTimed }> = [];
    let promptMismatches = 0;
    /** The request behind `answer`: llama.cpp gets it after the keystroke's latency was taken. */
    let asked: CompleteParams | null = null;
    /** Set while pipeline.warm sends its request (synchronously): that request is no keystroke's. */
    let capturingWarmUp = false;
    let warmUpAsked: CompleteParams | null = null;
    /** A warm-up request llama.cpp's side has not replayed yet (its anchors must see it before the next). */
    let llamaWarmUp: CompleteParams | null = null;
    const pipeline = new CompletionPipeline({
      model: async (params, signal) => {
        if (capturingWarmUp) {
          warmUpAsked = params;
          return rpc.request("complete", params, { signal });
        }
        const result: CompleteResult = await rpc.request("complete", params, { signal });
        answer = result;
        asked = params;
        return result;
      },
      cache: new CompletionCache(),
      ring: new ContextRing(),
      debouncer: new Debouncer(),
      settings: () => ({
        ...DEFAULT_PIPELINE_SETTINGS,
        debounceMs: 0,
        timeoutMs: options.timeoutMs,
        suffixShare: options.suffixShare,
        warmUpMs: options.pauseMs > 0 ? 1 : 0,
      }),
      scope: () => "bench",
      log: silentLogger,
    });
    const modelMs: number[] = [];
    /** Keystroke → answer of answers that fed at most WARM_PREFILL prompt tokens again, and of the others. */
    const warmMs: number[] = [];
    const coldMs: number[] = [];
    /** The runtime's own split of each answer: arrival → answer, and its prefill and decode. */
    const inRuntime = { totalMs: [] as number[], prefillMs: [] as number[], decodeMs: [] as number[] };
    const counts = {
      keystrokes: session.length,
      asked: 0,
      cache: 0,
      skipped: 0,
      shown: 0,
      timeLimit: 0,
      /** Answers from the short prompt a cold place gets under the time cap. */
      shortPromptAnswers: 0,
      warmUps: 0,
    };
    let reused = 0;
    let prompt = 0;
    let generated = 0;
    /** Prompt tokens each answer fed again (not reused from the KV cache). */
    const prefilled: number[] = [];
    const started = performance.now();
    let previous: Keystroke | null = null;
    for (const key of session) {
      answer = null;
      asked = null;
      const input = {
        workspace,
        documentUri: `file:///bench/${key.path}`,
        path: key.path,
        languageId: "typescript",
        repoName: "bench",
        prefix: key.prefix,
        suffix: key.suffix,
      };
      // The cursor arrived (another file, or not where the last keystroke left it): rest there, warming up.
      const arrived = !continuesTyping(previous, key);
      previous = key;
      if (arrived && options.pauseMs > 0) {
        capturingWarmUp = true;
        warmUpAsked = null;
        const warming = pipeline.warm(
          { ...input, prefix: key.prefix.slice(0, -1) },
          new AbortController().signal,
        );
        capturingWarmUp = false;
        if (warmUpAsked) {
          counts.warmUps += 1;
          llamaWarmUp = warmUpAsked;
        }
        void warming.catch(() => false);
        await new Promise((rest) => setTimeout(rest, options.pauseMs));
      }
      if (options.keyGapMs > 0 && !arrived) await new Promise((gap) => setTimeout(gap, options.keyGapMs));
      const t = performance.now();
      const completion = await pipeline.complete(input, new AbortController().signal);
      const ms = performance.now() - t;
      if (completion) counts.shown += 1;
      if (completion?.source === "cache") counts.cache += 1;
      else if (answer) {
        const result: CompleteResult = answer;
        counts.asked += 1;
        modelMs.push(ms);
        inRuntime.totalMs.push(result.timings.totalMs);
        inRuntime.prefillMs.push(result.timings.prefillMs);
        inRuntime.decodeMs.push(result.timings.decodeMs);
        reused += result.reusedPromptTokens;
        prompt += result.promptTokens;
        generated += result.completionTokens;
        prefilled.push(result.promptTokens - result.reusedPromptTokens);
        (result.promptTokens - result.reusedPromptTokens <= WARM_PREFILL ? warmMs : coldMs).push(ms);
        if (result.stopReason === "time-limit") counts.timeLimit += 1;
        if (result.shortPrompt) counts.shortPromptAnswers += 1;
        if (options.trace && asked) traceAnswer(options.trace, options.pauseMs, key, asked, result, ms);
        // After the keystroke's latency was taken: llama.cpp's time is not the runtime's.
        if (llama && asked) {
          if (llamaWarmUp) {
            // the server saw the warm-up first: llama.cpp's side (and its anchors) too, untimed
            await llama.replayer.complete(llama.promptIds(llamaWarmUp), 1);
            llamaWarmUp = null;
          }
          const ids = llama.promptIds(asked, result.shortPrompt === true);
          if (ids.length !== result.promptTokens) promptMismatches += 1;
          const timed = await llama.replayer.complete(ids, result.completionTokens);
          pairs.push({ ort: result.timings.prefillMs + result.timings.decodeMs, llama: timed });
        }
      } else counts.skipped += 1; // the prefilter's rules
    }
    const report = {
      model: init.model.id,
      template: ORDERS[options.order],
      adapter: options.adapter,
      threads: options.threads,
      timeoutMs: options.timeoutMs,
      suffixShare: options.suffixShare,
      typingAnchor: options.typingAnchor,
      shortPrompt: options.shortPrompt,
      keyGapMs: options.keyGapMs,
      pauseMs: options.pauseMs,
      ...counts,
      p50Ms: Math.round(percentile(modelMs, 0.5)),
      p95Ms: Math.round(percentile(modelMs, 0.95)),
      /** Answers that re-fed ≤ WARM_PREFILL tokens (typing on) and the rest (a new file, a cut prefix, …). */
      warm: {
        answers: warmMs.length,
        p50Ms: Math.round(percentile(warmMs, 0.5)),
        p95Ms: Math.round(percentile(warmMs, 0.95)),
      },
      cold: {
        answers: coldMs.length,
        p50Ms: Math.round(percentile(coldMs, 0.5)),
        p95Ms: Math.round(percentile(coldMs, 0.95)),
      },
      maxMs: Math.round(Math.max(...modelMs)),
      serverP50Ms: {
        total: Math.round(percentile(inRuntime.totalMs, 0.5)),
        prefill: Math.round(percentile(inRuntime.prefillMs, 0.5)),
        decode: Math.round(percentile(inRuntime.decodeMs, 0.5)),
      },
      reusedPromptShare: prompt > 0 ? Number((reused / prompt).toFixed(3)) : null,
      /** Per model answer: prompt tokens, of them reused from the KV cache, and fed again (prefilled). */
      meanPromptTokens: counts.asked > 0 ? Math.round(prompt / counts.asked) : null,
      meanReusedTokens: counts.asked > 0 ? Math.round(reused / counts.asked) : null,
      meanPrefilledTokens: counts.asked > 0 ? Math.round((prompt - reused) / counts.asked) : null,
      prefilledTokensP50: percentile(prefilled, 0.5),
      prefilledTokensP95: percentile(prefilled, 0.95),
      meanCompletionTokens: counts.asked > 0 ? Math.round(generated / counts.asked) : null,
      llama: llama ? llamaReport(pairs, promptMismatches) : null,
      wallSec: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    await rpc.request("shutdown", {});
    return report;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${stderr}`);
  } finally {
    server.stdin.end();
    if (server.exitCode === null) await new Promise((done) => server.once("exit", done));
  }
}

type Report = Awaited<ReturnType<typeof replay>>;

/** One model answer, as a line of --trace. */
function traceAnswer(
  file: string,
  pauseMs: number,
  key: Keystroke,
  params: CompleteParams,
  result: CompleteResult,
  ms: number,
): void {
  const line = {
    pauseMs,
    path: key.path,
    line: key.prefix.slice(key.prefix.lastIndexOf("\n") + 1),
    ms: Math.round(ms),
    multiline: params.multiline,
    fed: result.promptTokens - result.reusedPromptTokens,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    stopReason: result.stopReason,
    shortPrompt: result.shortPrompt === true,
    queueMs: Math.round(result.timings.queueMs),
    serverMs: Math.round(result.timings.totalMs),
    prefillMs: Math.round(result.timings.prefillMs),
    decodeMs: Math.round(result.timings.decodeMs),
    text: result.text,
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

/** The prompt builder the server uses (same template, budget and tokenizer) and a llama.cpp sequence. */
async function llamaSide(options: ReplayOptions) {
  const llama = options.llama!;
  // The server's budget: this replay's initialize sends no maxPromptTokens.
  const maxPromptTokens = DEFAULT_BUDGET.maxTokens;
  const pkg = openModelPackage(options.packageDir);
  const tokenizer = loadTokenizer(pkg);
  const template = getTemplate(ORDERS[options.order]);
  const replayer = await LlamaReplayer.open({ ...llama, threads: options.threads });
  // The server's own anchors, fed the same requests in the same order, give the same prompts.
  const anchors = options.typingAnchor ? typingAnchorsFor(pkg, tokenizer) : null;
  const build = (params: CompleteParams) => () => requestPrompt(params, template, tokenizer, maxPromptTokens);
  return {
    replayer,
    /** The prompt the server answered: its own (anchored) one, or the short one (the anchors still see it). */
    promptIds: (params: CompleteParams, short = false) => {
      const own = (
        anchors ? anchors.prompt(params, template, maxPromptTokens, build(params)).prompt : build(params)()
      ).ids;
      return short
        ? requestPrompt({ ...params, context: [] }, template, tokenizer, SHORT_PROMPT_TOKENS).ids
        : own;
    },
  };
}

/** llama.cpp's times for the same prompts and token counts, and the paired ratio runtime / llama.cpp. */
function llamaReport(pairs: Array<{ ort: number; llama: LlamaTimed }>, promptMismatches: number) {
  const p50 = (of: (pair: { ort: number; llama: LlamaTimed }) => number) => percentile(pairs.map(of), 0.5);
  return {
    answers: pairs.length,
    promptMismatches,
    p50Ms: Math.round(p50((p) => p.llama.totalMs)),
    p95Ms: Math.round(
      percentile(
        pairs.map((p) => p.llama.totalMs),
        0.95,
      ),
    ),
    prefillP50Ms: Math.round(p50((p) => p.llama.prefillMs)),
    decodeP50Ms: Math.round(p50((p) => p.llama.decodeMs)),
    meanReusedTokens:
      pairs.length > 0 ? Math.round(pairs.reduce((a, p) => a + p.llama.reused, 0) / pairs.length) : null,
    ortP50Ms: Math.round(p50((p) => p.ort)),
    /** Median over answers of (runtime prefill + decode) / (llama.cpp prefill + decode): > 1 = runtime slower. */
    ratioP50: Number(p50((p) => p.ort / p.llama.totalMs).toFixed(2)),
  };
}

function printReport(report: Report, files: string): void {
  console.log(
    `typing replay (${report.template}, typing anchor ${report.typingAnchor ? "on" : "off"}, ${report.pauseMs > 0 ? `${report.pauseMs} ms rest with a warm-up at ${report.warmUps} arrivals` : "no warm-up"}): ${report.keystrokes} keystrokes in ${files} files, ${report.asked} asked the model`,
  );
  console.log(
    `  keystroke → completion (model answers): p50 ${report.p50Ms} ms, p95 ${report.p95Ms} ms, max ${report.maxMs} ms`,
  );
  console.log(
    `  warm (≤ ${WARM_PREFILL} tokens fed again): ${report.warm.answers} answers, p50 ${report.warm.p50Ms} ms, p95 ${report.warm.p95Ms} ms; the others: ${report.cold.answers}, p50 ${report.cold.p50Ms} ms, p95 ${report.cold.p95Ms} ms`,
  );
  const { total, prefill, decode } = report.serverP50Ms;
  console.log(
    `  in the runtime (p50): ${total} ms from arrival to answer, prefill ${prefill} ms, decode ${decode} ms`,
  );
  console.log(
    `  prompt tokens per answer: ${report.meanPromptTokens}, reused ${report.meanReusedTokens}, prefilled ${report.meanPrefilledTokens} (p50 ${report.prefilledTokensP50}, p95 ${report.prefilledTokensP95}; reused share ${report.reusedPromptShare}); completion tokens ${report.meanCompletionTokens}`,
  );
  console.log(
    `  ghost text shown ${report.shown}, from the cache ${report.cache}, skipped ${report.skipped}, time-limit ${report.timeLimit}, short prompt ${report.shortPromptAnswers}`,
  );
  const llama = report.llama;
  if (llama)
    console.log(
      `  same prompts and token counts through llama.cpp: p50 ${llama.p50Ms} ms (prefill ${llama.prefillP50Ms}, decode ${llama.decodeP50Ms}), p95 ${llama.p95Ms} ms, reused ${llama.meanReusedTokens} tokens/answer; runtime prefill + decode p50 ${llama.ortP50Ms} ms; paired ratio runtime / llama.cpp p50 ${llama.ratioP50} (${llama.answers} answers, ${llama.promptMismatches} prompt length mismatches)`,
    );
}

/** A random adapter for the tiny model whose bundle records `order`'s template: same weights for every order. */
function tinyAdapter(work: string, order: Order): string {
  const dir = join(work, `adapter-${order}`);
  writeRandomAdapter(dir, TINY_QWEN2, { rank: 8, alpha: 16, baseModelId: TINY_ID, seed: 7 });
  const manifest = { schema: 1, baseModel: { id: TINY_ID }, prompt: { template: ORDERS[order] } };
  writeFileSync(join(dir, "repolora.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tiny: { type: "boolean", default: false },
      adapter: { type: "string" },
      "spm-adapter": { type: "string" },
      template: { type: "string", default: "psm" },
      source: { type: "string", default: join(ROOT, "runtime/src") },
      files: { type: "string", default: "8" },
      keystrokes: { type: "string", default: "240" },
      threads: { type: "string", default: "2" },
      "timeout-ms": { type: "string", default: "1000" },
      "suffix-share": { type: "string", default: "0.2" },
      anchor: { type: "string", default: "on" },
      gguf: { type: "string" },
      "lora-gguf": { type: "string" },
      "spm-lora-gguf": { type: "string" },
      "llama-dir": { type: "string", default: "/tmp/nlc" },
      "pause-ms": { type: "string", default: "0" },
      "auto-close": { type: "boolean", default: false },
      trace: { type: "string" },
      "short-prompt": { type: "string", default: "on" },
      "key-gap-ms": { type: "string", default: "0" },
      json: { type: "boolean", default: false },
    },
  });
  const orders: Order[] =
    values.template === "both" ? ["psm", "spm"] : values.template === "spm" ? ["spm"] : ["psm"];
  if (!["psm", "spm", "both"].includes(values.template)) {
    console.error(`--template ${values.template}: use psm, spm or both`);
    process.exit(2);
  }
  if (!["on", "off", "both"].includes(values.anchor)) {
    console.error(`--anchor ${values.anchor}: use on, off or both`);
    process.exit(2);
  }
  const anchorModes = values.anchor === "both" ? [false, true] : [values.anchor === "on"];
  if (!["on", "off", "both"].includes(values["short-prompt"])) {
    console.error(`--short-prompt ${values["short-prompt"]}: use on, off or both`);
    process.exit(2);
  }
  const shortModes = values["short-prompt"] === "both" ? [false, true] : [values["short-prompt"] === "on"];
  let work: string | null = null;
  let packageDir = positionals[0];
  if (values.tiny) {
    work = mkdtempSync(join(tmpdir(), "repolora-typing-"));
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    packageDir = join(work, "package");
    await prepareModelPackage({ source: join(work, "model"), outDir: packageDir, id: TINY_ID });
  }
  if (!packageDir) {
    console.error(
      "usage: npx tsx bench/speed/typing-replay.ts <model package dir> | --tiny [options] (see the header)",
    );
    process.exit(2);
  }
  if (!values.tiny && orders.includes("spm") && !values["spm-adapter"]) {
    console.error(
      "--template spm with a model package needs --spm-adapter <dir> (trained with qwen2.5-coder-spm)",
    );
    process.exit(2);
  }
  const typed = typingSession(values.source, Number(values.files), Number(values.keystrokes));
  const session = values["auto-close"] ? withAutoClosing(typed) : typed;
  try {
    const pauses = values["pause-ms"].split(",").map(Number);
    if (pauses.some((p) => !Number.isFinite(p) || p < 0)) throw new Error(`--pause-ms ${values["pause-ms"]}`);
    const runs = orders.flatMap((o) =>
      anchorModes.flatMap((a) => shortModes.flatMap((m) => pauses.map((p) => [o, a, m, p] as const))),
    );
    for (const [order, typingAnchor, shortPrompt, pauseMs] of runs) {
      const adapter = work
        ? tinyAdapter(work, order)
        : ((order === "spm" ? values["spm-adapter"] : values.adapter) ?? null);
      const report = await replay({
        packageDir,
        adapter,
        order,
        session,
        threads: Number(values.threads),
        timeoutMs: Number(values["timeout-ms"]),
        suffixShare: Number(values["suffix-share"]),
        typingAnchor,
        pauseMs,
        trace: values.trace ?? null,
        shortPrompt,
        keyGapMs: Number(values["key-gap-ms"]),
        llama: values.gguf
          ? {
              dir: values["llama-dir"],
              gguf: values.gguf,
              lora: (order === "spm" ? values["spm-lora-gguf"] : values["lora-gguf"]) ?? null,
            }
          : null,
      });
      if (values.json) console.log(JSON.stringify({ ...report, autoClose: values["auto-close"] }));
      else {
        if (values["auto-close"]) console.log("(suffixes with VS Code's auto-closed brackets and quotes)");
        printReport(report, values.files);
      }
    }
  } catch (error) {
    console.error(`typing replay failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
