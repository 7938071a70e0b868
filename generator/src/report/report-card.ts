/**
 * The report card written by the trainer (`report.json` in an adapter bundle): the fields the CLI and the HTML
 * chart read. The trainer (generator/trainer/repolora_trainer/evaluate.py) is the writer.
 */
import { z } from "zod";

const Interval = z.object({ mean: z.number(), low: z.number(), high: z.number() });

export const METRICS = ["exactMatch", "editSimilarity", "identifierEm", "identifierF1"] as const;
export type Metric = (typeof METRICS)[number];

export const METRIC_LABELS: Record<Metric, string> = {
  exactMatch: "exact match",
  editSimilarity: "edit similarity",
  identifierEm: "identifier exact match",
  identifierF1: "identifier F1",
};

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
