/**
 * The training progress protocol: JSON lines on the Python trainer's stdout (generator/trainer/repolora_trainer/
 * progress.py is the writer), and the events of `repolora train --json`: the trainer's, plus phases, the dataset
 * summary and the --update outcome, which the extension folds into its progress notification.
 */
import { z } from "zod";

const num = z.number().nullable();

const StartEvent = z.object({ event: z.literal("start") }).passthrough();
const MessageEvent = z.object({ event: z.literal("message"), level: z.string(), message: z.string() });
const StepEvent = z.object({
  event: z.literal("step"),
  step: z.number(),
  of: z.number(),
  loss: num,
  lr: num.optional(),
  tokensPerSec: num,
  etaSec: num,
  /** Steps skipped so far by the non-finite loss guard. */
  skipped: z.number().optional(),
});
const EvalEvent = z.object({ event: z.literal("eval"), step: z.number(), loss: num });
const ReportProgressEvent = z.object({
  event: z.literal("reportProgress"),
  done: z.number(),
  of: z.number(),
  etaSec: num,
});
const DoneEvent = z.object({ event: z.literal("done"), adapterDir: z.string() }).passthrough();
const ErrorEvent = z.object({ event: z.literal("error"), code: z.string(), message: z.string() });

const TRAINER_EVENTS = [
  StartEvent,
  MessageEvent,
  StepEvent,
  EvalEvent,
  ReportProgressEvent,
  DoneEvent,
  ErrorEvent,
] as const;

/** One line of the Python trainer's progress. */
export const TrainerEvent = z.discriminatedUnion("event", [...TRAINER_EVENTS]);
export type TrainerEvent = z.infer<typeof TrainerEvent>;

/** --update: how the new adapter compares with the one it updates, and whether it was made active. */
export const UpdateDecision = z.object({
  rule: z.string(),
  tolerance: z.number(),
  examples: num,
  updatedEditSimilarity: num,
  previousEditSimilarity: num,
  baseEditSimilarity: num,
  updatedExactMatch: num,
  previousExactMatch: num,
  baseExactMatch: num,
  /** updated - previous, mean edit similarity. */
  delta: num,
  /** updated >= previous - tolerance */
  keepsUp: z.boolean(),
  activated: z.boolean(),
  reason: z.string(),
});
export type UpdateDecision = z.infer<typeof UpdateDecision>;

export const TRAIN_PHASES = ["dataset", "train", "eval"] as const;

/** Events of `repolora train --json`: the trainer's, plus phases, the dataset summary and the --update outcome. */
export const TrainRunEvent = z.discriminatedUnion("event", [
  ...TRAINER_EVENTS,
  z.object({ event: z.literal("phase"), name: z.enum(TRAIN_PHASES) }),
  z.object({
    event: z.literal("dataset"),
    dir: z.string(),
    train: z.number(),
    eval: z.number(),
    files: z.number(),
  }),
  /** --update: the training subset (changed examples + replay) written to `dir`. */
  z.object({
    event: z.literal("update"),
    previous: z.string(),
    since: z.string(),
    to: z.string(),
    dir: z.string(),
    changedFiles: z.number(),
    changedExamples: z.number(),
    replayExamples: z.number(),
    trainExamples: z.number(),
  }),
  /** --update: nothing changed since the active adapter was trained; nothing was trained. */
  z.object({ event: z.literal("upToDate"), adapter: z.string(), since: z.string() }),
  /** --update: the new adapter against the previous one, and whether it was made active. */
  UpdateDecision.extend({ event: z.literal("updateDecision"), adapterDir: z.string(), previous: z.string() }),
]);
export type TrainRunEvent = z.infer<typeof TrainRunEvent>;

function parseLine<T>(schema: z.ZodType<T>, line: string): T | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** One trainer stdout line → its event; null for anything else (logged by the caller, never fatal). */
export function parseTrainerLine(line: string): TrainerEvent | null {
  return parseLine(TrainerEvent, line);
}

/** One `repolora train --json` stdout line → its event; null for anything else (logs, a newer event kind). */
export function parseTrainRunLine(line: string): TrainRunEvent | null {
  return parseLine(TrainRunEvent, line);
}
