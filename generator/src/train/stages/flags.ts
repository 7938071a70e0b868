/**
 * `repolora train`'s command line: the options it accepts and the checks that need no repository (run before
 * anything slow, and before --json's event stream starts).
 */
import { numberOption, parseCommandArgs } from "../../cli/args.ts";
import { TRAINING_OPTIONS } from "../../cli/training-flags.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { DEFAULT_REPLAY, DEFAULT_TOLERANCE } from "../update.ts";

export const TRAIN_OPTIONS = {
  ...TRAINING_OPTIONS,
  out: { type: "string" },
  dataset: { type: "string" },
  cutoff: { type: "string" },
  subdir: { type: "string" },
  json: { type: "boolean" },
  update: { type: "boolean" },
  replay: { type: "string" },
  tolerance: { type: "string" },
  force: { type: "boolean" },
  "from-scratch": { type: "boolean" },
} as const;

/** The options as parsed (strings as typed; the stages read the ones only they need). */
export type TrainValues = ReturnType<typeof parseCommandArgs<typeof TRAIN_OPTIONS>>["values"];

export interface TrainFlags {
  repo: string;
  values: TrainValues;
  json: boolean;
  /** --update: continue the active adapter. */
  update: boolean;
  /** --replay share in [0, 1) (its default without --update, where it is unused). */
  replay: number;
  /** --tolerance in [-1, 1]. */
  tolerance: number;
}

export function parseTrainFlags(args: string[]): TrainFlags {
  const { values, positionals } = parseCommandArgs(args, TRAIN_OPTIONS);
  const repo = positionals[0];
  if (!repo || positionals.length > 1)
    throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one repository path.");
  const update = values.update ?? false;
  if (!update && (values.replay !== undefined || values.tolerance !== undefined))
    throw new RepoLoraError("BAD_ARGUMENT", "--replay and --tolerance only apply with --update.");
  const replay = numberOption("replay", values.replay, DEFAULT_REPLAY, 0);
  if (replay >= 1)
    throw new RepoLoraError("BAD_ARGUMENT", `--replay must be below 1, got '${values.replay}'.`);
  const tolerance = numberOption("tolerance", values.tolerance, DEFAULT_TOLERANCE, -1);
  if (tolerance > 1)
    throw new RepoLoraError("BAD_ARGUMENT", `--tolerance must be in [-1, 1], got '${values.tolerance}'.`);
  return { repo, values, json: values.json ?? false, update, replay, tolerance };
}
