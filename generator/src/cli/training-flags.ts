/**
 * The training flags `repolora train` and `repolora org-train` share: their parseArgs options, and how they become
 * `python -m repolora_trainer train` flags. One place, so the two commands cannot drift apart.
 */
import { numberOption } from "./args.ts";
import { parseDuration } from "./duration.ts";

export const TRAINING_OPTIONS = {
  base: { type: "string" },
  "adapters-dir": { type: "string" },
  budget: { type: "string" },
  steps: { type: "string" },
  rank: { type: "string" },
  layers: { type: "string" },
  "max-tokens": { type: "string" },
  config: { type: "string" },
  "no-eval": { type: "boolean" },
  languages: { type: "string" },
  seed: { type: "string" },
} as const;

export interface TrainingFlagValues {
  budget?: string | undefined;
  steps?: string | undefined;
  rank?: string | undefined;
  layers?: string | undefined;
}

/**
 * Trainer flags for --budget, --steps, --rank and --layers. `fallback` supplies budget seconds and steps where the
 * user gave none (an update scales the previous run's).
 */
export function trainerLengthArgs(
  values: TrainingFlagValues,
  fallback: { budgetSeconds?: number | null; steps?: number | null } = {},
): string[] {
  const args: string[] = [];
  if (values.budget) args.push("--budget-seconds", String(parseDuration(values.budget)));
  else if (fallback.budgetSeconds) args.push("--budget-seconds", String(fallback.budgetSeconds));
  if (values.steps) args.push("--max-steps", String(numberOption("steps", values.steps, 0, 1)));
  else if (fallback.steps) args.push("--max-steps", String(fallback.steps));
  if (values.rank) args.push("--rank", String(numberOption("rank", values.rank, 16, 1)));
  if (values.layers) args.push("--layers", values.layers);
  return args;
}
