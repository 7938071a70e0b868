/**
 * The trainer's progress protocol: JSON lines on the trainer's stdout (generator/trainer/repolora_trainer/
 * progress.py is the writer). `repolora train --json` re-emits them, plus "phase" events, for the extension.
 */
import { z } from "zod";
import type { UpdateDecision } from "./update.ts";

const num = z.number().nullable();

export const TrainerEvent = z.discriminatedUnion("event", [
  z.object({ event: z.literal("start") }).passthrough(),
  z.object({ event: z.literal("message"), level: z.string(), message: z.string() }),
  z.object({
    event: z.literal("step"),
    step: z.number(),
    of: z.number(),
    loss: num,
    lr: num.optional(),
    tokensPerSec: num,
    etaSec: num,
  }),
  z.object({ event: z.literal("eval"), step: z.number(), loss: num }),
  z.object({ event: z.literal("reportProgress"), done: z.number(), of: z.number(), etaSec: num }),
  z.object({ event: z.literal("done"), adapterDir: z.string() }).passthrough(),
  z.object({ event: z.literal("error"), code: z.string(), message: z.string() }),
]);
export type TrainerEvent = z.infer<typeof TrainerEvent>;

/** Events of `repolora train --json`: the trainer's, plus phases and the dataset summary. */
export type TrainRunEvent =
  | TrainerEvent
  | { event: "phase"; name: "dataset" | "train" | "eval" }
  | { event: "dataset"; dir: string; train: number; eval: number; files: number }
  /** --update: the training subset (changed examples + replay) written to `dir`. */
  | {
      event: "update";
      previous: string;
      since: string;
      to: string;
      dir: string;
      changedFiles: number;
      changedExamples: number;
      replayExamples: number;
      trainExamples: number;
    }
  /** --update: nothing changed since the active adapter was trained; nothing was trained. */
  | { event: "upToDate"; adapter: string; since: string }
  /** --update: the new adapter against the previous one, and whether it was made active. */
  | ({ event: "updateDecision"; adapterDir: string; previous: string } & UpdateDecision);

/** Parses one stdout line; anything that is not a known event is returned as null (and logged by the caller). */
export function parseTrainerLine(line: string): TrainerEvent | null {
  try {
    const parsed = TrainerEvent.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
