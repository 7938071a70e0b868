/**
 * `repolora bench`: is the repo adapter worth training, over the default completion system? For each
 * repository: build the time-split dataset twice (definitions only, and definitions + retrieval: the same
 * examples and ids, other context), train an adapter on the plain one (as `repolora train` does: starting from
 * the default adapter's weights when the base is the embedded default), then score on the same held-out
 * examples the raw base, the default system (base + the shipped default adapter), the adapter, a control
 * adapter (same recipe, trained on the next repository of the list) and a format-only adapter (same recipe,
 * trained on a balanced mix of the other repositories: ./format-only.ts), each with and without retrieval:
 * completion metrics on --limit examples, held-out NLL of the middle on --nll-limit. With two repositories the
 * format-only mix is the control's own data, so the control adapter stands in for it
 * (docs/decisions/2026-11-23-retrieval.md). Scores come from the trainer's metrics and NLL
 * (bench/quality/bench_eval.py, beside this file); intervals, targets, tables and the chart from ./report.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { buildDataset } from "../../generator/src/dataset/build.ts";
import { openRepo } from "../../generator/src/mine/repo.ts";
import { localModelDir } from "../../generator/src/train/base-model.ts";
import {
  defaultAdapterFor,
  startingAdapter,
  trainingTemplate,
} from "../../generator/src/train/default-system.ts";
import { PROJECT_ROOT, trainerPython } from "../../generator/src/train/python-env.ts";
import { runTrainer } from "../../generator/src/train/run-trainer.ts";
import { throwIfCancelled } from "../../generator/src/util/cancel.ts";
import { RepoLoraError } from "../../generator/src/util/errors.ts";
import type { Progress } from "../../generator/src/util/progress.ts";
import { DatasetManifest } from "../../runtime/src/contracts/dataset.ts";
import { buildFormatOnlyDataset, type MixShare, reusableMix } from "./format-only.ts";
import {
  type AdapterCost,
  type BenchResults,
  checkTargets,
  type RepoResult,
  renderMarkdown,
  renderSvg,
  type ScoresFile,
  summarise,
} from "./report.ts";
import { type BootstrapOptions, DEFAULT_BOOTSTRAP } from "./stats.ts";

export interface BenchOptions {
  repos: string[];
  out: string;
  base: string;
  /** Optimizer steps per adapter. */
  steps: number;
  /** Prompt budget and training sequence cap. */
  maxTokens: number;
  /** Held-out examples completed and scored per repo (a seeded sample; 0 = all). */
  limit: number;
  /** Held-out examples per repo for NLL of the middle (a seeded sample; 0 = all): forward passes only. */
  nllLimit: number;
  maxNewTokens: number;
  seed: number;
  cutoff?: string;
  evalShare?: number;
  languages?: string[] | null;
  /** Extra `python -m repolora_trainer train` flags, e.g. ["--rank", "4", "--micro-batch", "1"]. */
  trainArgs?: string[];
  /**
   * The default adapter scored as the "default" system and, unless `fromScratch` or a --rank/--layers in
   * trainArgs, the weights every adapter here starts from. Omitted: the one that goes with `base`
   * (defaultAdapterFor: the shipped one for the embedded default base, none for another base).
   */
  defaultAdapter?: string | null;
  /** Train every adapter from fresh LoRA weights (`repolora train --from-scratch`). */
  fromScratch?: boolean;
  threads?: number;
  bootstrap?: BootstrapOptions;
  /** Reuse a repo's datasets and adapter from an earlier run into the same --out when HEAD is unchanged. */
  reuse?: boolean;
  /** The command line, recorded in the results. */
  command: string;
  progress: Progress;
  signal?: AbortSignal;
}

interface PreparedRepo {
  name: string;
  root: string;
  remote: string | null;
  head: string;
  dir: string;
  plain: string;
  retrieval: string;
  manifest: DatasetManifest;
  adapterDir: string;
  training: Training;
  /** Datasets and adapter came from an earlier run (--reuse). */
  reused: boolean;
}

interface Training {
  seconds: number | null;
  steps: number | null;
  loss: number | null;
}

/**
 * One repository's format-only adapter. With two repositories the leave-one-out mix could only be a
 * size-matched sample of the control's own training set (all of it when the other repository is not larger),
 * so the control adapter stands in (`sameAsControl`): scored once, its scores copied to the format-only
 * systems. From three repositories up, a real mix (./format-only.ts) and its own adapter.
 */
interface FormatOnly {
  adapterDir: string;
  dataset: string;
  sameAsControl: boolean;
  examples: number;
  sources: MixShare[];
  training: Training;
}

const BENCH_EVAL = join(PROJECT_ROOT, "bench", "quality", "bench_eval.py");

export async function runBench(options: BenchOptions): Promise<{ results: BenchResults; out: string }> {
  const started = Date.now();
  if (options.repos.length === 0) throw new RepoLoraError("BAD_ARGUMENT", "Give at least one repository.");
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const { progress, signal } = options;
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const modelDir = localModelDir(options.base);
  const tokenizer =
    modelDir && existsSync(join(modelDir, "tokenizer.json")) ? join(modelDir, "tokenizer.json") : undefined;
  const defaultAdapter =
    options.defaultAdapter === undefined ? defaultAdapterFor(options.base) : options.defaultAdapter;
  const template = trainingTemplate(options.base, defaultAdapter);
  const trainArgs = options.trainArgs ?? [];
  const initAdapter = startingAdapter(defaultAdapter, {
    isUpdate: false,
    fromScratch: options.fromScratch === true,
    shapeGiven: trainArgs.includes("--rank") || trainArgs.includes("--layers"),
  });
  const recipe: Recipe = { steps: options.steps, initAdapter };
  progress.log(
    defaultAdapter
      ? `bench: default system = base + ${defaultAdapter}${initAdapter ? "; adapters start from its weights" : ""}`
      : "bench: no default adapter for this base model: the baseline is the raw base",
  );

  // 1. Datasets (twice per repo) and one adapter per repo.
  const prepared: PreparedRepo[] = [];
  const usedNames = new Set<string>();
  for (const repo of options.repos) {
    throwIfCancelled(signal);
    const { info } = await openRepo(repo);
    let name = info.name;
    for (let k = 2; usedNames.has(name); k += 1) name = `${info.name}-${k}`;
    usedNames.add(name);
    const dir = join(out, "repos", name);
    const datasetOptions = {
      repo,
      force: true,
      ...(options.cutoff !== undefined ? { cutoff: options.cutoff } : {}),
      ...(options.evalShare !== undefined ? { evalShare: options.evalShare } : {}),
      languages: options.languages ?? null,
      template,
      budget: { maxTokens: options.maxTokens, suffixShare: 0.2, contextShare: 0.3 },
      ...(tokenizer ? { tokenizer } : {}),
      sampling: { seed: options.seed },
      progress,
      ...(signal ? { signal } : {}),
    };
    const plainDir = join(dir, "dataset");
    const retrievalDir = join(dir, "dataset-retrieval");
    const adapterDir = join(dir, "adapter");
    const reused = options.reuse
      ? reusable(plainDir, retrievalDir, adapterDir, info.head, options, recipe)
      : null;
    let manifest: DatasetManifest;
    let training: Training;
    if (reused) {
      progress.log(`bench: ${name}: reusing datasets and adapter from ${dir}`);
      ({ manifest, training } = reused);
    } else {
      progress.log(`bench: ${name}: building datasets (plain and retrieval)`);
      manifest = (await buildDataset({ ...datasetOptions, out: plainDir, retrieval: false })).manifest;
      await buildDataset({ ...datasetOptions, out: retrievalDir, retrieval: true });
    }
    assertSameExamples(plainDir, retrievalDir);
    if (manifest.counts.train === 0 || manifest.counts.eval === 0) {
      throw new RepoLoraError(
        "BAD_DATASET",
        `${name}: ${manifest.counts.train} training and ${manifest.counts.eval} evaluation examples; the benchmark needs both.`,
        "Pick a repository with history before and after the cutoff, or pass --cutoff.",
      );
    }
    if (!reused) {
      progress.log(`bench: ${name}: training the adapter (${options.steps} steps)`);
      training = await train(options, recipe, plainDir, adapterDir);
    }
    prepared.push({
      name,
      root: info.root,
      remote: info.remote,
      head: info.head,
      dir,
      plain: plainDir,
      retrieval: retrievalDir,
      manifest,
      adapterDir,
      training: training!,
      reused: reused !== null,
    });
  }

  // 1b. Format-only adapters: the same recipe on a balanced mix of the other repositories' training sets.
  const formatOnly = new Map<PreparedRepo, FormatOnly>();
  for (const [i, repo] of prepared.entries()) {
    throwIfCancelled(signal);
    const others = prepared.filter((p) => p !== repo);
    if (others.length === 0) continue;
    if (others.length === 1) {
      // The leave-one-out mix can only draw on the control's own training set: reuse the control adapter.
      const control = prepared[(i + 1) % prepared.length]!;
      formatOnly.set(repo, {
        adapterDir: control.adapterDir,
        dataset: control.plain,
        sameAsControl: true,
        examples: control.manifest.counts.train,
        sources: [
          {
            name: control.name,
            head: control.head,
            available: control.manifest.counts.train,
            taken: control.manifest.counts.train,
          },
        ],
        training: control.training,
      });
      continue;
    }
    const mixDir = join(repo.dir, "format-only-dataset");
    const adapterDir = join(repo.dir, "format-only-adapter");
    const sources = others.map((p) => ({ name: p.name, dataset: p.plain, head: p.head }));
    const size = repo.manifest.counts.train;
    const mix =
      options.reuse && others.every((p) => p.reused)
        ? reusableMix(mixDir, repo.name, size, options.seed, sources)
        : null;
    const trained = mix ? recordedTraining(adapterDir, recipe) : null;
    if (mix && trained) {
      progress.log(`bench: ${repo.name}: reusing the format-only dataset and adapter`);
      formatOnly.set(repo, {
        adapterDir,
        dataset: mixDir,
        sameAsControl: false,
        examples: mix.examples,
        sources: mix.sources,
        training: trained,
      });
      continue;
    }
    progress.log(
      `bench: ${repo.name}: building the format-only mix of ${others.map((p) => p.name).join(", ")}`,
    );
    const built = await buildFormatOnlyDataset({
      target: repo.name,
      sources,
      size,
      seed: options.seed,
      out: mixDir,
    });
    progress.log(`bench: ${repo.name}: training the format-only adapter (${options.steps} steps)`);
    formatOnly.set(repo, {
      adapterDir,
      dataset: mixDir,
      sameAsControl: false,
      examples: built.info.examples,
      sources: built.info.sources,
      training: await train(options, recipe, mixDir, adapterDir),
    });
  }

  // 2. Scores: each repo's held-out examples under every system; the control is the next repo's adapter.
  const repos: RepoResult[] = [];
  let device = "cpu";
  for (const [i, repo] of prepared.entries()) {
    throwIfCancelled(signal);
    const control = prepared.length > 1 ? prepared[(i + 1) % prepared.length]! : null;
    const fo = formatOnly.get(repo) ?? null;
    const adapters: Array<[string, string]> = [];
    if (defaultAdapter) adapters.push(["default", defaultAdapter]);
    adapters.push(["adapter", repo.adapterDir]);
    if (control) adapters.push(["control", control.adapterDir]);
    if (fo && !fo.sameAsControl) adapters.push(["format-only", fo.adapterDir]);
    const scoresPath = join(repo.dir, "scores.json");
    progress.log(`bench: ${repo.name}: scoring ${2 * (adapters.length + 1)} systems`);
    await runBenchEval(options, repo, adapters, scoresPath);
    const scores = JSON.parse(readFileSync(scoresPath, "utf8")) as ScoresFile;
    device = `${scores.device} (${scores.threads} torch threads)`;
    if (fo?.sameAsControl) {
      // Two repositories: the control stands in for format-only (see FormatOnly), scored once.
      for (const suffix of ["", "+retrieval"]) {
        const scored = scores.systems[`control${suffix}`];
        if (scored) scores.systems[`format-only${suffix}`] = { ...scored, adapter: "control" };
      }
    }
    const summary = summarise(scores, bootstrap);
    repos.push({
      name: repo.name,
      root: repo.root,
      remote: repo.remote,
      head: repo.head,
      cutoff: {
        commit: repo.manifest.cutoff.commit,
        time: repo.manifest.cutoff.time,
        source: repo.manifest.cutoff.source,
      },
      datasets: { plain: repo.plain, retrieval: repo.retrieval },
      counts: {
        train: repo.manifest.counts.train,
        eval: repo.manifest.counts.eval,
        scored: scores.examples.length,
        nllScored: scores.nllExamples.length,
      },
      retrievalShare: retrievalShare(repo.retrieval, new Set(scores.examples.map((e) => e.id))),
      adapter: cost(repo.adapterDir, repo.training),
      control: control ? { trainedOn: control.name, ...cost(control.adapterDir, control.training) } : null,
      formatOnly: fo
        ? {
            ...cost(fo.adapterDir, fo.training),
            sameAsControl: fo.sameAsControl,
            dataset: fo.dataset,
            examples: fo.examples,
            sources: fo.sources,
          }
        : null,
      summary,
      targets: checkTargets(summary),
      scoresFile: scoresPath,
    });
  }

  const results: BenchResults = {
    schema: 2,
    createdAt: new Date().toISOString(),
    command: options.command,
    machine: {
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      device,
    },
    settings: {
      base: options.base,
      defaultAdapter,
      initAdapter,
      steps: options.steps,
      maxTokens: options.maxTokens,
      limit: options.limit,
      nllLimit: options.nllLimit,
      maxNewTokens: options.maxNewTokens,
      seed: options.seed,
      bootstrap,
    },
    repos,
    seconds: (Date.now() - started) / 1000,
  };
  await writeFile(join(out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(out, "results.md"), renderMarkdown(results));
  await writeFile(join(out, "results.svg"), renderSvg(results));
  return { results, out };
}

/** How every adapter of the run is trained: its steps and the weights it starts from (null: fresh). */
interface Recipe {
  steps: number;
  initAdapter: string | null;
}

/** Datasets and adapter of an earlier run of the same HEAD, or null when anything is missing or stale. */
function reusable(
  plainDir: string,
  retrievalDir: string,
  adapterDir: string,
  head: string,
  options: BenchOptions,
  recipe: Recipe,
): { manifest: DatasetManifest; training: Training } | null {
  if (![join(plainDir, "dataset.json"), join(retrievalDir, "dataset.json")].every((p) => existsSync(p)))
    return null;
  const manifest = DatasetManifest.parse(JSON.parse(readFileSync(join(plainDir, "dataset.json"), "utf8")));
  const o = manifest.options;
  const sameData =
    manifest.repo.head === head &&
    o.maxPromptTokens === options.maxTokens &&
    o.seed === options.seed &&
    JSON.stringify(o.languages ?? null) === JSON.stringify(options.languages ?? null) &&
    (options.cutoff === undefined || manifest.cutoff.source !== "default");
  if (!sameData) return null;
  const training = recordedTraining(adapterDir, recipe);
  return training ? { manifest, training } : null;
}

/**
 * The training record of an adapter bundle trained by `recipe` (its steps, from the same starting weights), or
 * null (missing, other steps, another start).
 */
function recordedTraining(adapterDir: string, recipe: Recipe): Training | null {
  const bundle = join(adapterDir, "repolora.json");
  if (!existsSync(bundle)) return null;
  const recorded = JSON.parse(readFileSync(bundle, "utf8")) as {
    training?: { seconds?: number; steps?: number; loss?: number };
    continuedFrom?: { dir?: string };
  };
  const t = recorded.training ?? {};
  if (t.steps !== recipe.steps) return null;
  const startedFrom = recorded.continuedFrom?.dir ?? null;
  if ((startedFrom && resolve(startedFrom)) !== (recipe.initAdapter && resolve(recipe.initAdapter)))
    return null;
  return { seconds: t.seconds ?? null, steps: t.steps ?? null, loss: t.loss ?? null };
}

function cost(dir: string, training: Training): AdapterCost {
  return {
    dir,
    trainSeconds: training.seconds,
    steps: training.steps,
    loss: training.loss,
    bytes: folderBytes(dir, /\.safetensors$/),
  };
}

function evalIds(datasetDir: string): string[] {
  return readFileSync(join(datasetDir, "eval.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

/** The two variants must differ only in context: same held-out examples, same ids, same order. */
function assertSameExamples(plain: string, retrieval: string): void {
  const a = evalIds(plain);
  const b = evalIds(retrieval);
  if (a.length !== b.length || a.some((id, i) => id !== b[i])) {
    throw new RepoLoraError(
      "BAD_DATASET",
      `The datasets with and without retrieval hold different evaluation examples (${a.length} vs ${b.length}).`,
    );
  }
}

function retrievalShare(datasetDir: string, ids: ReadonlySet<string>): number {
  let scored = 0;
  let withRetrieval = 0;
  for (const line of readFileSync(join(datasetDir, "eval.jsonl"), "utf8").split("\n")) {
    if (!line) continue;
    const record = JSON.parse(line) as { id: string; context: Array<{ reason: string }> };
    if (!ids.has(record.id)) continue;
    scored += 1;
    if (record.context.some((c) => c.reason === "retrieval")) withRetrieval += 1;
  }
  return scored > 0 ? withRetrieval / scored : 0;
}

function folderBytes(dir: string, pattern: RegExp): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

async function train(
  options: BenchOptions,
  recipe: Recipe,
  datasetDir: string,
  adapterDir: string,
): Promise<Training> {
  const args = [
    "train",
    "--dataset",
    datasetDir,
    "--out",
    adapterDir,
    "--base-model",
    options.base,
    "--max-tokens",
    String(options.maxTokens),
    "--max-steps",
    String(recipe.steps),
    ...(recipe.initAdapter ? ["--init-adapter", recipe.initAdapter] : []),
    "--seed",
    String(options.seed),
    "--no-eval",
    ...(options.threads ? ["--threads", String(options.threads)] : []),
    ...(options.trainArgs ?? []),
  ];
  const logTail: string[] = [];
  const result = await runTrainer({
    args,
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => {
      if (event.event === "step")
        options.progress.update(event.step, `loss ${event.loss?.toFixed(3) ?? "?"}`);
      if (event.event === "start") options.progress.phase("training", Number(event.steps ?? 0));
    },
    onLog: (line) => {
      logTail.push(line);
      if (logTail.length > 20) logTail.shift();
    },
  });
  options.progress.done();
  if (result.error || !result.done) {
    if (result.error?.code === "CANCELLED") throw new RepoLoraError("CANCELLED", "Benchmark cancelled.");
    throw new RepoLoraError(
      "TRAINER_FAILED",
      `Training failed (${result.error?.code ?? result.exitCode}): ${result.error?.message ?? logTail.join("\n")}`,
    );
  }
  const done = result.done as { seconds?: number; steps?: number; loss?: number | null };
  return { seconds: done.seconds ?? null, steps: done.steps ?? null, loss: done.loss ?? null };
}

function runBenchEval(
  options: BenchOptions,
  repo: PreparedRepo,
  adapters: ReadonlyArray<readonly [string, string]>,
  outPath: string,
): Promise<void> {
  const args = [
    BENCH_EVAL,
    "--base",
    options.base,
    "--dataset",
    `plain=${repo.plain}`,
    "--dataset",
    `retrieval=${repo.retrieval}`,
    ...adapters.flatMap(([label, dir]) => ["--adapter", `${label}=${dir}`]),
    "--limit",
    String(options.limit),
    "--nll-limit",
    String(options.nllLimit),
    "--max-new-tokens",
    String(options.maxNewTokens),
    "--max-tokens",
    String(options.maxTokens),
    ...(options.threads ? ["--threads", String(options.threads)] : []),
    "--out",
    outPath,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(trainerPython(), args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1", TOKENIZERS_PARALLELISM: "false" },
    });
    const tail: string[] = [];
    createInterface({ input: child.stderr }).on("line", (line) => {
      const match = /^bench_eval: (\d+)\/(\d+)$/.exec(line);
      if (match) {
        if (match[1] === "1") options.progress.phase(`scoring ${repo.name}`, Number(match[2]));
        options.progress.update(Number(match[1]));
        return;
      }
      tail.push(line);
      if (tail.length > 20) tail.shift();
    });
    const onAbort = () => child.kill("SIGTERM");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (e) =>
      reject(new RepoLoraError("TRAINER_FAILED", `Could not start bench_eval: ${e.message}`)),
    );
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      options.progress.done();
      if (options.signal?.aborted) reject(new RepoLoraError("CANCELLED", "Benchmark cancelled."));
      else if (code === 0) resolvePromise();
      else reject(new RepoLoraError("TRAINER_FAILED", `bench_eval exited with ${code}:\n${tail.join("\n")}`));
    });
  });
}
