/**
 * The report card (`report.json` in an adapter bundle, written by generator/trainer/repolora_trainer/evaluate.py):
 * the metric names every reader shows, the schema the CLI and the HTML chart read, and the all-optional view a
 * defensive reader (the extension, reading bundles of any age) works with.
 */
import { z } from "zod";

/** The held-out completion metrics, in the order every table shows them. */
export const METRICS = ["exactMatch", "editSimilarity", "identifierEm", "identifierF1"] as const;
export type Metric = (typeof METRICS)[number];

/** Lower-case names for running text and tables ("edit similarity"). */
export const METRIC_LABELS: Record<Metric, string> = {
  exactMatch: "exact match",
  editSimilarity: "edit similarity",
  identifierEm: "identifier exact match",
  identifierF1: "identifier F1",
};

/** Abbreviations for wide tables (the benchmark's summary). */
export const METRIC_SHORT_LABELS: Record<Metric, string> = {
  exactMatch: "EM",
  editSimilarity: "ES",
  identifierEm: "id EM",
  identifierF1: "id F1",
};

/** "Edit similarity": the label as a heading or table row. */
export function metricHeading(metric: Metric): string {
  const label = METRIC_LABELS[metric];
  return label.charAt(0).toUpperCase() + label.slice(1);
}

export const Interval = z.object({ mean: z.number(), low: z.number(), high: z.number() });
export type Interval = z.infer<typeof Interval>;

export const ReportCard = z
  .object({
    examples: z.number(),
    /** Schema 2: examples of the NLL comparison, and the baseline system ("default" or "base"). */
    nllExamples: z.number().optional(),
    baseline: z.string().optional(),
    systems: z.record(
      z.string(),
      z.object(Object.fromEntries(METRICS.map((m) => [m, z.number()]))).passthrough(),
    ),
    deltas: z.record(z.string(), z.record(z.string(), z.union([Interval, z.record(z.string(), z.number())]))),
    verdict: z.object({ adapterBetter: z.boolean(), significant: z.boolean() }).passthrough().nullable(),
  })
  .passthrough();
export type ReportCard = z.infer<typeof ReportCard>;

/** The card as a reader of any bundle may find it: every field optional (older trainers wrote fewer). */
export interface ReportCardView {
  examples?: number;
  createdAt?: string;
  systems?: Record<string, Partial<Record<Metric | "loss" | "exactMatchCount", number | null>>>;
  deltas?: Record<string, Partial<Record<Metric, Interval>>>;
  verdict?: { adapterBetter: boolean; significant: boolean; rule?: string } | null;
  samples?: Array<{ id?: string; path: string; reference: string; predictions: Record<string, string> }>;
  [key: string]: unknown;
}
