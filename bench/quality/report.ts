/**
 * Turns per-example scores (bench_eval.py's JSON) into the benchmark's results: per-system means, paired
 * bootstrap intervals of each comparison, the same per language, and renders them as Markdown and an SVG bar
 * chart (plain string templates, no chart library).
 *
 * The baseline is the default completion system ("default": base + the shipped default adapter), as in
 * `repolora train`'s report card; the raw base stays as extra rows. Besides the completion metrics (higher is
 * better) every system has held-out NLL of the middle (nats per token, lower is better) on its own, larger
 * sample of examples; both are paired by example.
 */
import { METRIC_SHORT_LABELS, METRICS, type Metric } from "../../runtime/src/contracts/report-card.ts";
import type { MixShare } from "./format-only.ts";
import {
  type BootstrapOptions,
  type Interval,
  isSignificant,
  mean,
  pairedBootstrap,
  quantile,
} from "./stats.ts";

/** Held-out negative log-likelihood of the middle, nats per token: lower is better. */
export const NLL = "nll";

/** The baseline every repository adapter is read against; "base" when the base model has no default adapter. */
export const BASELINE_SYSTEM = "default";

/** Systems in the order tables list them; a system the run did not score is simply absent. */
export const SYSTEM_ORDER = [
  "base",
  "base+retrieval",
  "default",
  "default+retrieval",
  "adapter",
  "adapter+retrieval",
  "control",
  "control+retrieval",
  "format-only",
  "format-only+retrieval",
] as const;

/**
 * [treatment, control]: each row of the comparison table is treatment − control on the same examples. First
 * the comparisons with the default completion system, then the raw base's rows (kept as extra rows); a pair
 * whose systems the run did not score (no default adapter for the base model, one repository) is skipped.
 */
export const COMPARISONS: ReadonlyArray<readonly [string, string]> = [
  ["default", "base"],
  ["default+retrieval", "default"],
  ["adapter", "default"],
  ["adapter+retrieval", "default+retrieval"],
  ["adapter+retrieval", "adapter"],
  ["control", "default"],
  ["format-only", "default"],
  ["adapter", "control"],
  ["adapter+retrieval", "control+retrieval"],
  ["adapter", "format-only"],
  ["adapter+retrieval", "format-only+retrieval"],
  ["base+retrieval", "base"],
  ["adapter", "base"],
  ["adapter+retrieval", "base"],
  ["adapter+retrieval", "base+retrieval"],
  ["control", "base"],
  ["format-only", "base"],
];

/** What a target reads: a completion metric (higher is better) or held-out NLL (lower is better). */
export type TargetMetric = "editSimilarity" | typeof NLL;

/** Whether a lower value of the metric is the better one. */
export const lowerIsBetter = (metric: TargetMetric | Metric): boolean => metric === NLL;

/**
 * The issue's targets, each a comparison of COMPARISONS read on edit similarity and on held-out NLL. Like for
 * like: the repo adapter with retrieval against the alternatives *with* retrieval (the default system, the
 * control and format-only adapters), because retrieval is there at serving time either way; the plain
 * differences are in the tables. `control` "default+retrieval" reads "base+retrieval" when the run has no
 * default system (a base model without a default adapter), as the report card's baseline does.
 */
export const TARGETS: ReadonlyArray<{
  name: string;
  treatment: string;
  control: string;
  metric: TargetMetric;
}> = (["editSimilarity", NLL] as const).flatMap((metric) => {
  const label = metric === NLL ? "NLL" : "ES";
  return [
    {
      name: `adapter+retrieval > default system+retrieval (${label})`,
      treatment: "adapter+retrieval",
      control: "default+retrieval",
      metric,
    },
    {
      name: `adapter+retrieval > control+retrieval (${label})`,
      treatment: "adapter+retrieval",
      control: "control+retrieval",
      metric,
    },
    {
      name: `adapter+retrieval > format-only+retrieval (${label})`,
      treatment: "adapter+retrieval",
      control: "format-only+retrieval",
      metric,
    },
  ];
});

/**
 * "holds": the 95% interval of treatment − control lies wholly on the better side of 0 (above 0 for edit
 * similarity, below 0 for NLL); "reversed": wholly on the worse side; "not shown": it includes 0 (too few
 * examples, or no difference); "not scored": a system is missing (one repository).
 */
export type TargetVerdict = "holds" | "not shown" | "reversed" | "not scored";

export interface TargetCheck {
  name: string;
  treatment: string;
  /** The system read as the control (the base's when the run has no default system). */
  control: string;
  metric: TargetMetric;
  interval: Interval | null;
  verdict: TargetVerdict;
}

/** The verdict of one interval of treatment − control, on the metric's better side. */
export function targetVerdict(interval: Interval | null, metric: TargetMetric): TargetVerdict {
  if (!interval || !Number.isFinite(interval.low) || !Number.isFinite(interval.high)) return "not scored";
  const better = lowerIsBetter(metric) ? interval.high < 0 : interval.low > 0;
  const worse = lowerIsBetter(metric) ? interval.low > 0 : interval.high < 0;
  return better ? "holds" : worse ? "reversed" : "not shown";
}

export function checkTargets(summary: Pick<Summary, "comparisons">): TargetCheck[] {
  const hasDefault = summary.comparisons.some(
    (c) => c.treatment === BASELINE_SYSTEM || c.control === BASELINE_SYSTEM,
  );
  return TARGETS.map(({ name, treatment, control: wanted, metric }) => {
    const control = hasDefault ? wanted : wanted.replace(/^default\b/, "base");
    const c = summary.comparisons.find((x) => x.treatment === treatment && x.control === control);
    const interval = (metric === NLL ? c?.nll : c?.metrics.editSimilarity) ?? null;
    return { name, treatment, control, metric, interval, verdict: targetVerdict(interval, metric) };
  });
}

export interface ScoredExample {
  id: string;
  path: string;
  language: string;
  spanKind: string;
}

/** What ./bench_eval.py writes. */
export interface ScoresFile {
  schema: 2;
  base: string;
  device: string;
  threads: number;
  settings: { limit: number; nllLimit: number; maxNewTokens: number; maxTokens: number };
  /** The completions' examples: `scores`, `latencyMs`, `promptTokens` and `predictions` follow this order. */
  examples: ScoredExample[];
  /** The held-out NLL sample (larger: forward passes only): every system's `nll` follows this order. */
  nllExamples: ScoredExample[];
  systems: Record<
    string,
    {
      adapter: string | null;
      dataset: string;
      scores: Record<Metric, number[]>;
      latencyMs: number[];
      promptTokens: number[];
      predictions: string[];
      /** Per NLL example: teacher-forced NLL of the middle, nats per token. */
      nll: number[];
    }
  >;
}

export interface SystemSummary extends Record<Metric, number> {
  /** Completions scored (n of the completion metrics). */
  examples: number;
  /** Mean held-out NLL of the middle, nats per token (lower is better), and its n. */
  nll: number;
  nllExamples: number;
  /** Mean and median wall time of one completion (batch 1, greedy). */
  latencyMsMean: number;
  latencyMsMedian: number;
  promptTokensMean: number;
}

export interface Comparison {
  treatment: string;
  control: string;
  /** Completion metrics, on `examples` pairs: higher is better. */
  metrics: Record<Metric, Interval>;
  /** Held-out NLL, on `nllExamples` pairs: lower is better (a negative difference favours the treatment). */
  nll: Interval;
  examples: number;
  nllExamples: number;
  /** The edit-similarity interval excludes 0. */
  significant: boolean;
}

export interface Breakdown {
  examples: number;
  nllExamples: number;
  systems: Record<string, Record<Metric | typeof NLL, number>>;
  comparisons: Comparison[];
}

export interface Summary {
  /** Completions scored per system. */
  examples: number;
  /** NLL examples scored per system. */
  nllExamples: number;
  systems: Record<string, SystemSummary>;
  comparisons: Comparison[];
  byLanguage: Record<string, Breakdown>;
}

function metricsOf(scores: Record<Metric, number[]>, rows: readonly number[]): Record<Metric, number> {
  return Object.fromEntries(METRICS.map((m) => [m, mean(rows.map((i) => scores[m][i]!))])) as Record<
    Metric,
    number
  >;
}

/** Example indices of the completions (`rows`) and of the NLL sample (`nllRows`) that a summary covers. */
interface Rows {
  rows: readonly number[];
  nllRows: readonly number[];
}

function compare(file: ScoresFile, { rows, nllRows }: Rows, bootstrap: BootstrapOptions): Comparison[] {
  const out: Comparison[] = [];
  for (const [treatment, control] of COMPARISONS) {
    const a = file.systems[treatment];
    const b = file.systems[control];
    if (!a || !b) continue;
    const metrics = Object.fromEntries(
      METRICS.map((m) => [
        m,
        pairedBootstrap(
          rows.map((i) => a.scores[m][i]!),
          rows.map((i) => b.scores[m][i]!),
          bootstrap,
        ),
      ]),
    ) as Record<Metric, Interval>;
    const nll = pairedBootstrap(
      nllRows.map((i) => a.nll[i]!),
      nllRows.map((i) => b.nll[i]!),
      bootstrap,
    );
    out.push({
      treatment,
      control,
      metrics,
      nll,
      examples: rows.length,
      nllExamples: nllRows.length,
      significant: isSignificant(metrics.editSimilarity),
    });
  }
  return out;
}

export function orderedSystems(names: Iterable<string>): string[] {
  const known = SYSTEM_ORDER as readonly string[];
  const all = [...names];
  return [...known.filter((n) => all.includes(n)), ...all.filter((n) => !known.includes(n)).sort()];
}

export function summarise(file: ScoresFile, bootstrap: BootstrapOptions): Summary {
  const n = file.examples.length;
  const nllN = file.nllExamples.length;
  for (const [name, system] of Object.entries(file.systems)) {
    for (const m of METRICS) {
      if (system.scores[m]?.length !== n)
        throw new Error(`system ${name}: ${system.scores[m]?.length ?? 0} ${m} scores for ${n} examples`);
    }
    if (system.nll?.length !== nllN)
      throw new Error(`system ${name}: ${system.nll?.length ?? 0} NLL values for ${nllN} NLL examples`);
  }
  const all = file.examples.map((_, i) => i);
  const allNll = file.nllExamples.map((_, i) => i);
  const systems: Record<string, SystemSummary> = {};
  for (const name of orderedSystems(Object.keys(file.systems))) {
    const system = file.systems[name]!;
    const latency = [...system.latencyMs].sort((a, b) => a - b);
    systems[name] = {
      examples: n,
      nll: mean(system.nll),
      nllExamples: nllN,
      ...metricsOf(system.scores, all),
      latencyMsMean: mean(latency),
      latencyMsMedian: quantile(latency, 0.5),
      promptTokensMean: mean(system.promptTokens),
    };
  }
  const byLanguage: Record<string, Breakdown> = {};
  const languages = [...new Set([...file.examples, ...file.nllExamples].map((e) => e.language))].sort();
  for (const language of languages) {
    const rows = all.filter((i) => file.examples[i]!.language === language);
    const nllRows = allNll.filter((i) => file.nllExamples[i]!.language === language);
    byLanguage[language] = {
      examples: rows.length,
      nllExamples: nllRows.length,
      systems: Object.fromEntries(
        Object.keys(systems).map((name) => {
          const system = file.systems[name]!;
          return [name, { ...metricsOf(system.scores, rows), nll: mean(nllRows.map((i) => system.nll[i]!)) }];
        }),
      ),
      comparisons: compare(file, { rows, nllRows }, bootstrap),
    };
  }
  return {
    examples: n,
    nllExamples: nllN,
    systems,
    comparisons: compare(file, { rows: all, nllRows: allNll }, bootstrap),
    byLanguage,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Results file and renderings.

export interface RepoResult {
  name: string;
  root: string;
  remote: string | null;
  head: string;
  cutoff: { commit: string; time: string; source: string };
  datasets: { plain: string; retrieval: string };
  /** scored: completions per system; nllScored: held-out NLL examples per system. */
  counts: { train: number; eval: number; scored: number; nllScored: number };
  /** Share of scored examples whose retrieval prompt kept at least one retrieved snippet. */
  retrievalShare: number;
  adapter: AdapterCost;
  /** The next repository's adapter (same recipe): null with one repository. */
  control: (AdapterCost & { trainedOn: string }) | null;
  /**
   * Same recipe on a balanced leave-one-out mix of the other repositories' training sets (./format-only.ts).
   * With two repositories that mix is the control's own data, so the control adapter is reused and its scores
   * stand for format-only (`sameAsControl`). Null with one repository.
   */
  formatOnly:
    | (AdapterCost & {
        sameAsControl: boolean;
        /** The mix's dataset folder (the control's plain dataset when sameAsControl). */
        dataset: string;
        /** Training examples the adapter saw. */
        examples: number;
        sources: MixShare[];
      })
    | null;
  summary: Summary;
  /** The issue's targets on edit similarity, from summary.comparisons. */
  targets: TargetCheck[];
  scoresFile: string;
}

/** What one adapter cost: training wall time and steps, final loss, safetensors bytes. */
export interface AdapterCost {
  dir: string;
  trainSeconds: number | null;
  steps: number | null;
  loss: number | null;
  bytes: number;
}

export interface BenchResults {
  schema: 2;
  createdAt: string;
  command: string;
  machine: {
    platform: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    device: string;
  };
  settings: {
    base: string;
    /** The shipped default adapter scored as "default" (base + it: the default completion system), or null. */
    defaultAdapter: string | null;
    /** The weights every adapter the benchmark trains starts from (as `repolora train`), or null: fresh. */
    initAdapter: string | null;
    steps: number;
    maxTokens: number;
    limit: number;
    /** Held-out examples per repository for NLL (a seeded sample; 0 = all). */
    nllLimit: number;
    maxNewTokens: number;
    seed: number;
    bootstrap: BootstrapOptions;
  };
  repos: RepoResult[];
  seconds: number;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}` : "–");
export const formatInterval = (i: Interval) => `${signed(i.mean)} [${signed(i.low)}, ${signed(i.high)}]`;

/**
 * A Δ NLL interval with which side it favours: "↓" lies below 0 (the treatment's NLL is lower: better), "↑"
 * above 0 (worse). NLL is the one metric where the better difference is negative.
 */
export function formatNllInterval(i: Interval): string {
  const side = i.high < 0 ? " ↓ better" : i.low > 0 ? " ↑ worse" : "";
  return `${formatInterval(i)}${side}`;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)}`;

/** The adapter behind a system ("control+retrieval" → the control's), or null for the base model. */
export function adapterCost(repo: RepoResult, system: string): AdapterCost | null {
  const label = system.split("+")[0];
  if (label === "adapter") return repo.adapter;
  if (label === "control") return repo.control;
  if (label === "format-only") return repo.formatOnly;
  return null; // the base model, or the default system (its adapter is shipped, not trained here)
}

const VERDICT_MARK: Record<TargetVerdict, string> = {
  holds: "✓ holds",
  "not shown": "✗ not shown",
  reversed: "✗ reversed",
  "not scored": "– not scored",
};

function formatTarget(t: TargetCheck): string {
  return t.interval && t.verdict !== "not scored"
    ? `${VERDICT_MARK[t.verdict]}: ${formatInterval(t.interval)}`
    : VERDICT_MARK[t.verdict];
}

const baselineName = (results: BenchResults) =>
  results.settings.defaultAdapter
    ? "the default system (base + default adapter)"
    : "the raw base (no default adapter for it)";

export function renderMarkdown(results: BenchResults): string {
  const s = results.settings;
  const lines: string[] = [
    `# RepoLoRA benchmark — ${results.createdAt}`,
    "",
    "```",
    results.command,
    "```",
    "",
    `Base model \`${s.base}\`; ${s.steps} training steps per adapter; prompts ≤ ${s.maxTokens} tokens; ` +
      `${s.limit > 0 ? `a seeded sample of ≤ ${s.limit}` : "all"} held-out examples per repo; ` +
      `greedy, ≤ ${s.maxNewTokens} new tokens. Machine: ${results.machine.cpuModel} × ${results.machine.cpus}, ` +
      `${results.machine.memoryGiB} GiB, ${results.machine.platform}, ${results.machine.device}. ` +
      `Intervals: paired bootstrap, ${s.bootstrap.resamples} resamples, ${Math.round(s.bootstrap.confidence * 100)}%, ` +
      `seed ${s.bootstrap.seed}. ES = edit similarity, EM = exact match, id = identifier match. ` +
      `NLL = held-out negative log-likelihood of the middle, nats per token (lower is better), on ` +
      `${s.nllLimit > 0 ? `a seeded sample of ≤ ${s.nllLimit}` : "all"} held-out examples per repo (forward passes only). ` +
      (s.defaultAdapter
        ? `default = the default completion system: the base + the shipped default adapter \`${s.defaultAdapter}\`; `
        : "default: none (the base model has no default adapter), so the baseline is the raw base; ") +
      (s.initAdapter
        ? `every adapter trained here starts from the default adapter's weights, as \`repolora train\` does. `
        : "every adapter trained here starts from fresh LoRA weights. ") +
      "control = the same recipe trained on the next repository of the list; format-only = the same recipe " +
      "trained on a balanced mix of the other repositories (with two repositories: the control).",
    "",
    "## Targets",
    "",
    `Against ${baselineName(results)}. Δ ES and Δ NLL [${Math.round(s.bootstrap.confidence * 100)}% CI]; a ` +
      "target holds when the interval excludes 0 on the better side (above 0 for ES, below 0 for NLL). Like " +
      "for like: each alternative is scored with retrieval too.",
    "",
    ...table(
      ["repo", ...TARGETS.map((t) => t.name)],
      results.repos.map((repo) => [
        repo.name,
        ...repo.targets.map(
          (t) =>
            formatTarget(t) +
            (t.control.startsWith("format-only") && repo.formatOnly?.sameAsControl ? " (= control)" : ""),
        ),
      ]),
    ),
    "",
  ];
  for (const repo of results.repos) {
    const sum = repo.summary;
    const systems = Object.keys(sum.systems);
    const fo = repo.formatOnly;
    lines.push(
      `## ${repo.name}`,
      "",
      `${repo.remote ?? repo.root} @ \`${repo.head}\`; cutoff \`${repo.cutoff.commit.slice(0, 12)}\` ` +
        `(${repo.cutoff.time.slice(0, 10)}, ${repo.cutoff.source}); ${repo.counts.train} train / ` +
        `${repo.counts.eval} eval examples, n = ${repo.counts.scored} completions and ` +
        `${repo.counts.nllScored} NLL examples scored; retrieval added context to ` +
        `${(repo.retrievalShare * 100).toFixed(0)}% of scored prompts.` +
        (repo.control
          ? ` Control adapter: trained on ${repo.control.trainedOn}.`
          : " No control adapter (one repo).") +
        (fo
          ? fo.sameAsControl
            ? " Format-only = the control (two repositories: the leave-one-out mix is the control's data)."
            : ` Format-only adapter: ${fo.examples} examples (${fo.sources.map((x) => `${x.taken} of ${x.name}'s ${x.available}`).join(", ")}).`
          : ""),
      "",
      ...table(
        [
          "system",
          ...METRICS.map((m) => METRIC_SHORT_LABELS[m]),
          `NLL (n = ${sum.nllExamples})`,
          "latency ms (mean / median)",
          "prompt tokens",
          "training s",
          "adapter MiB",
        ],
        Object.entries(sum.systems).map(([name, sys]) => {
          const cost = adapterCost(repo, name);
          return [
            name,
            ...METRICS.map((m) => f3(sys[m])),
            f3(sys.nll),
            `${sys.latencyMsMean.toFixed(0)} / ${sys.latencyMsMedian.toFixed(0)}`,
            sys.promptTokensMean.toFixed(0),
            cost?.trainSeconds != null ? cost.trainSeconds.toFixed(1) : "–",
            cost ? mib(cost.bytes) : "–",
          ];
        }),
      ),
      "",
      ...table(
        [
          "difference",
          ...METRICS.map((m) => `Δ ${METRIC_SHORT_LABELS[m]} [95% CI]`),
          "Δ NLL [95% CI]",
          "n (completions / NLL)",
        ],
        sum.comparisons.map((c) => [
          `${c.treatment} − ${c.control}${c.significant ? " *" : ""}`,
          ...METRICS.map((m) => formatInterval(c.metrics[m])),
          formatNllInterval(c.nll),
          `${c.examples} / ${c.nllExamples}`,
        ]),
      ),
      "",
      "\\* the edit-similarity interval excludes 0. Δ NLL: lower is better; ↓ better = the interval lies below 0.",
      "",
      "Per language (the records' `language`), edit similarity:",
      "",
      ...table(
        ["language", "n", ...systems],
        Object.entries(sum.byLanguage).map(([language, b]) => [
          language,
          String(b.examples),
          ...systems.map((name) => f3(b.systems[name]?.editSimilarity ?? Number.NaN)),
        ]),
      ),
      "",
      ...table(
        [
          "Δ ES per language [95% CI]",
          ...Object.entries(sum.byLanguage).map(([l, b]) => `${l} (n = ${b.examples})`),
        ],
        sum.comparisons.map((c) => [
          `${c.treatment} − ${c.control}`,
          ...Object.values(sum.byLanguage).map((b) => {
            const x = b.comparisons.find((y) => y.treatment === c.treatment && y.control === c.control);
            return x ? `${formatInterval(x.metrics.editSimilarity)}${x.significant ? " *" : ""}` : "–";
          }),
        ]),
      ),
      "",
      ...table(
        [
          "Δ NLL per language [95% CI]",
          ...Object.entries(sum.byLanguage).map(([l, b]) => `${l} (n = ${b.nllExamples})`),
        ],
        sum.comparisons.map((c) => [
          `${c.treatment} − ${c.control}`,
          ...Object.values(sum.byLanguage).map((b) => {
            const x = b.comparisons.find((y) => y.treatment === c.treatment && y.control === c.control);
            return x ? formatNllInterval(x.nll) : "–";
          }),
        ]),
      ),
      "",
      `Cost: adapter ${costLine(repo.adapter)}` +
        (repo.control ? `; control ${costLine(repo.control)}` : "") +
        (fo && !fo.sameAsControl ? `; format-only ${costLine(fo)}` : "") +
        ". Latency: PyTorch generate, greedy, batch 1, on the bench machine.",
      "",
    );
  }
  return `${lines.join("\n")}\n`;
}

function costLine(cost: AdapterCost): string {
  return (
    `${cost.trainSeconds?.toFixed(1) ?? "?"} s for ${cost.steps ?? "?"} steps ` +
    `(final loss ${cost.loss?.toFixed(3) ?? "?"}), ${mib(cost.bytes)} MiB`
  );
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const COLORS: Record<string, string> = {
  base: "#9e9e9e",
  "base+retrieval": "#616161",
  default: "#ce93d8",
  "default+retrieval": "#7b1fa2",
  adapter: "#42a5f5",
  "adapter+retrieval": "#1565c0",
  control: "#ffb74d",
  "control+retrieval": "#e65100",
  "format-only": "#81c784",
  "format-only+retrieval": "#2e7d32",
};

/** Grouped bars: mean edit similarity per system, one group per repository. */
export function renderSvg(results: BenchResults): string {
  const systems = orderedSystems(new Set(results.repos.flatMap((r) => Object.keys(r.summary.systems))));
  const bar = 18;
  const gap = 24;
  const groupWidth = systems.length * bar + gap;
  const left = 48;
  const top = 30;
  const plotHeight = 200;
  const width = left + Math.max(1, results.repos.length) * groupWidth + 20 + 170;
  const height = top + plotHeight + 60;
  const y = (v: number) => top + plotHeight - Math.max(0, Math.min(1, v)) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>Edit similarity by system (RepoLoRA benchmark)</title>`,
    `<text x="${left}" y="16" font-size="13">Edit similarity on held-out code (higher is better)</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${left}" x2="${left + results.repos.length * groupWidth}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e0e0e0"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick.toFixed(2)}</text>`,
    );
  }
  results.repos.forEach((repo, g) => {
    const x0 = left + g * groupWidth + gap / 2;
    systems.forEach((name, k) => {
      const value = repo.summary.systems[name]?.editSimilarity;
      if (value === undefined || !Number.isFinite(value)) return;
      const x = x0 + k * bar;
      parts.push(
        `<rect x="${x}" y="${y(value).toFixed(1)}" width="${bar - 2}" height="${(top + plotHeight - y(value)).toFixed(1)}" fill="${COLORS[name] ?? "#8e24aa"}"><title>${escapeXml(`${repo.name} ${name}: ${value.toFixed(3)}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${x0 + (systems.length * bar) / 2}" y="${top + plotHeight + 16}" text-anchor="middle">${escapeXml(repo.name)}</text>`,
    );
  });
  const legendX = left + results.repos.length * groupWidth + 20;
  systems.forEach((name, k) => {
    parts.push(
      `<rect x="${legendX}" y="${top + k * 16}" width="10" height="10" fill="${COLORS[name] ?? "#8e24aa"}"/>`,
      `<text x="${legendX + 14}" y="${top + k * 16 + 9}">${escapeXml(name)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
