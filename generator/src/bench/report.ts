/**
 * Turns per-example scores (bench_eval.py's JSON) into the benchmark's results: per-system means, paired
 * bootstrap intervals of each comparison, the same per language, and renders them as Markdown and an SVG bar
 * chart (plain string templates, no chart library).
 */
import { METRIC_SHORT_LABELS, METRICS, type Metric } from "../../../runtime/src/contracts/report-card.ts";
import type { MixShare } from "./format-only.ts";
import {
  type BootstrapOptions,
  type Interval,
  isSignificant,
  mean,
  pairedBootstrap,
  quantile,
} from "./stats.ts";

/** Systems in the order tables list them; a system the run did not score is simply absent. */
export const SYSTEM_ORDER = [
  "base",
  "base+retrieval",
  "adapter",
  "adapter+retrieval",
  "control",
  "control+retrieval",
  "format-only",
  "format-only+retrieval",
] as const;

/** [treatment, control]: each row of the comparison table is treatment − control on the same examples. */
export const COMPARISONS: ReadonlyArray<readonly [string, string]> = [
  ["base+retrieval", "base"],
  ["adapter", "base"],
  ["adapter+retrieval", "base"],
  ["adapter+retrieval", "adapter"],
  ["adapter+retrieval", "base+retrieval"],
  ["adapter", "control"],
  ["adapter+retrieval", "control+retrieval"],
  ["adapter", "format-only"],
  ["adapter+retrieval", "format-only+retrieval"],
  ["control", "base"],
  ["format-only", "base"],
];

/**
 * The issue's targets, each a comparison of COMPARISONS read on edit similarity. Like for like: the repo
 * adapter with retrieval against the alternatives *with* retrieval (base model, control and format-only
 * adapters), because retrieval is there at serving time either way; the plain differences are in the tables.
 */
export const TARGETS: ReadonlyArray<{ name: string; treatment: string; control: string }> = [
  { name: "adapter+retrieval > retrieval alone", treatment: "adapter+retrieval", control: "base+retrieval" },
  {
    name: "adapter+retrieval > control+retrieval",
    treatment: "adapter+retrieval",
    control: "control+retrieval",
  },
  {
    name: "adapter+retrieval > format-only+retrieval",
    treatment: "adapter+retrieval",
    control: "format-only+retrieval",
  },
];

/**
 * "holds": the 95% interval of treatment − control lies above 0; "reversed": below 0; "not shown": it
 * includes 0 (too few examples, or no difference); "not scored": a system is missing (one repository).
 */
export type TargetVerdict = "holds" | "not shown" | "reversed" | "not scored";

export interface TargetCheck {
  name: string;
  treatment: string;
  control: string;
  metric: "editSimilarity";
  interval: Interval | null;
  verdict: TargetVerdict;
}

export function checkTargets(summary: Pick<Summary, "comparisons">): TargetCheck[] {
  return TARGETS.map(({ name, treatment, control }) => {
    const c = summary.comparisons.find((x) => x.treatment === treatment && x.control === control);
    const interval = c?.metrics.editSimilarity ?? null;
    const verdict: TargetVerdict =
      !interval || !Number.isFinite(interval.low)
        ? "not scored"
        : interval.low > 0
          ? "holds"
          : interval.high < 0
            ? "reversed"
            : "not shown";
    return { name, treatment, control, metric: "editSimilarity", interval, verdict };
  });
}

/** What generator/trainer/tools/bench_eval.py writes. */
export interface ScoresFile {
  schema: 1;
  base: string;
  device: string;
  threads: number;
  settings: { limit: number; maxNewTokens: number; maxTokens: number };
  examples: Array<{ id: string; path: string; language: string; spanKind: string }>;
  systems: Record<
    string,
    {
      adapter: string | null;
      dataset: string;
      scores: Record<Metric, number[]>;
      latencyMs: number[];
      promptTokens: number[];
      predictions: string[];
    }
  >;
}

export interface SystemSummary extends Record<Metric, number> {
  examples: number;
  /** Mean and median wall time of one completion (batch 1, greedy). */
  latencyMsMean: number;
  latencyMsMedian: number;
  promptTokensMean: number;
}

export interface Comparison {
  treatment: string;
  control: string;
  metrics: Record<Metric, Interval>;
  /** The edit-similarity interval excludes 0. */
  significant: boolean;
}

export interface Breakdown {
  examples: number;
  systems: Record<string, Record<Metric, number>>;
  comparisons: Comparison[];
}

export interface Summary {
  examples: number;
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

function compare(file: ScoresFile, rows: readonly number[], bootstrap: BootstrapOptions): Comparison[] {
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
    out.push({ treatment, control, metrics, significant: isSignificant(metrics.editSimilarity) });
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
  for (const [name, system] of Object.entries(file.systems)) {
    for (const m of METRICS) {
      if (system.scores[m]?.length !== n)
        throw new Error(`system ${name}: ${system.scores[m]?.length ?? 0} ${m} scores for ${n} examples`);
    }
  }
  const all = file.examples.map((_, i) => i);
  const systems: Record<string, SystemSummary> = {};
  for (const name of orderedSystems(Object.keys(file.systems))) {
    const system = file.systems[name]!;
    const latency = [...system.latencyMs].sort((a, b) => a - b);
    systems[name] = {
      examples: n,
      ...metricsOf(system.scores, all),
      latencyMsMean: mean(latency),
      latencyMsMedian: quantile(latency, 0.5),
      promptTokensMean: mean(system.promptTokens),
    };
  }
  const byLanguage: Record<string, Breakdown> = {};
  const languages = [...new Set(file.examples.map((e) => e.language))].sort();
  for (const language of languages) {
    const rows = all.filter((i) => file.examples[i]!.language === language);
    byLanguage[language] = {
      examples: rows.length,
      systems: Object.fromEntries(
        Object.keys(systems).map((name) => [name, metricsOf(file.systems[name]!.scores, rows)]),
      ),
      comparisons: compare(file, rows, bootstrap),
    };
  }
  return { examples: n, systems, comparisons: compare(file, all, bootstrap), byLanguage };
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
  counts: { train: number; eval: number; scored: number };
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
    steps: number;
    maxTokens: number;
    limit: number;
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
  return null;
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
      "control = the same recipe trained on the next repository of the list; format-only = the same recipe " +
      "trained on a balanced mix of the other repositories (with two repositories: the control).",
    "",
    "## Targets",
    "",
    `Δ ES [${Math.round(s.bootstrap.confidence * 100)}% CI]; a target holds when the interval excludes 0 on the ` +
      "positive side. Like for like: each alternative is scored with retrieval too.",
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
        `${repo.counts.eval} eval examples, ${repo.counts.scored} scored; retrieval added context to ` +
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
            `${sys.latencyMsMean.toFixed(0)} / ${sys.latencyMsMedian.toFixed(0)}`,
            sys.promptTokensMean.toFixed(0),
            cost?.trainSeconds != null ? cost.trainSeconds.toFixed(1) : "–",
            cost ? mib(cost.bytes) : "–",
          ];
        }),
      ),
      "",
      ...table(
        ["difference", ...METRICS.map((m) => `Δ ${METRIC_SHORT_LABELS[m]} [95% CI]`)],
        sum.comparisons.map((c) => [
          `${c.treatment} − ${c.control}${c.significant ? " *" : ""}`,
          ...METRICS.map((m) => formatInterval(c.metrics[m])),
        ]),
      ),
      "",
      "\\* the edit-similarity interval excludes 0.",
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
