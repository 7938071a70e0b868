/**
 * Progress for long work: a redrawn bar on a TTY, plain throttled lines otherwise (CI logs, pipes).
 * Writes to stderr so stdout stays clean for results. With a job plan (the stages of a whole command, e.g.
 * dataset → training → report card) each line also says how long the whole job has left, not just the phase.
 */
export interface Progress {
  /** Starts a phase with a known total (0 = unknown). */
  phase(name: string, total: number): void;
  /** Advances the current phase by `n` units. */
  tick(n?: number): void;
  /** Sets the current phase's count (for work that reports absolute positions) and a short status text. */
  update(count: number, detail?: string): void;
  /** Prints a message without breaking the bar. */
  log(message: string): void;
  /** Sets (or refines) a job stage's expected seconds, e.g. the report card's once the eval set's size is known. */
  expect(stage: string, seconds: number): void;
  done(): void;
}

/** One stage of a whole job, made of one or more progress phases. */
export interface JobStage {
  name: string;
  /** The progress phases that belong to it, by name prefix ("report card" matches "report card (base, …)"). */
  phases: readonly string[];
  /** Expected seconds of the whole stage; undefined = unknown (the job's ETA is then a lower bound). */
  expectSeconds?: number;
  /** Most seconds the stage may take (a time budget): its ETA never exceeds what is left of it. */
  capSeconds?: number;
}

export interface JobEta {
  seconds: number;
  /** A stage still to come has no estimate: the job takes at least `seconds`. */
  atLeast: boolean;
}

/**
 * Seconds left in the whole job while stage `index` runs: what is left of it (the larger of the current
 * phase's measured rest and the stage's expectation minus its elapsed time, capped by its budget) plus each
 * later stage's expectation (else its budget; else unknown).
 */
export function jobEta(
  stages: readonly JobStage[],
  index: number,
  stageElapsed: number,
  phaseRemaining: number | null,
): JobEta {
  const current = stages[index];
  let atLeast = phaseRemaining === null && current?.expectSeconds === undefined;
  let seconds = Math.max(phaseRemaining ?? 0, (current?.expectSeconds ?? 0) - stageElapsed);
  if (current?.capSeconds !== undefined)
    seconds = Math.min(seconds, Math.max(0, current.capSeconds - stageElapsed));
  for (const later of stages.slice(index + 1)) {
    const estimate = later.expectSeconds ?? later.capSeconds;
    if (estimate === undefined) atLeast = true;
    else seconds += estimate;
  }
  return { seconds, atLeast };
}

/** 42s, 12m05s, 1h03m. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Force TTY rendering on or off; defaults to the stream's isTTY. */
  tty?: boolean;
  /** Minimum ms between plain-line updates. */
  plainIntervalMs?: number;
  /** The whole job's stages, in order: lines add "job eta …" once a phase of one of them starts. */
  job?: readonly JobStage[];
  /** The clock (ms); tests pass their own. */
  now?: () => number;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const plainIntervalMs = options.plainIntervalMs ?? 2000;
  const now = options.now ?? Date.now;
  const job = (options.job ?? []).map((stage) => ({ ...stage }));
  let stageIndex = -1;
  let stageStarted = 0;
  let name = "";
  let total = 0;
  let count = 0;
  let started = now();
  let lastDraw = 0;
  let detail = "";

  /** Moves to the job stage a new phase belongs to (stages only go forward). */
  const enterStage = (phaseName: string): void => {
    const index = job.findIndex(
      (stage, i) => i >= stageIndex && stage.phases.some((prefix) => phaseName.startsWith(prefix)),
    );
    if (index >= 0 && index !== stageIndex) {
      stageIndex = index;
      stageStarted = now();
    }
  };

  const line = (): string => {
    const elapsed = (now() - started) / 1000;
    const stage = job[stageIndex];
    const stageElapsed = (now() - stageStarted) / 1000;
    const fraction = total > 0 ? Math.min(1, count / total) : 0;
    let phaseRemaining = fraction > 0 ? elapsed / fraction - elapsed : null;
    // A phase under a time budget ends with it, whatever its rate says.
    if (phaseRemaining !== null && stage?.capSeconds !== undefined)
      phaseRemaining = Math.min(phaseRemaining, Math.max(0, stage.capSeconds - stageElapsed));
    const jobPart = stage
      ? (() => {
          const eta = jobEta(job, stageIndex, stageElapsed, phaseRemaining);
          return ` · job eta ${eta.atLeast ? "≥" : ""}${formatEta(eta.seconds)}`;
        })()
      : "";
    const suffix = detail ? ` ${detail}` : "";
    if (total <= 0) return `${name}: ${count} (${elapsed.toFixed(1)}s)${jobPart}${suffix}`;
    const width = 28;
    const filled = Math.round(fraction * width);
    const eta = phaseRemaining !== null ? phaseRemaining.toFixed(0) : "?";
    const bar = tty ? `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ` : "";
    return `${name}: ${bar}${count}/${total} ${(fraction * 100).toFixed(0)}% eta ${eta}s${jobPart}${suffix}`;
  };

  // What the last plain line showed: a forced draw (phase end, done) that has nothing new to say is skipped,
  // else the last line of a phase printed twice.
  let drawn = "";
  const draw = (force: boolean): void => {
    const at = now();
    if (tty) {
      if (!force && at - lastDraw < 80) return;
      stream.write(`\r\x1b[2K${line()}`);
    } else {
      if (!force && at - lastDraw < plainIntervalMs) return;
      const state = `${name}\0${count}\0${detail}`;
      if (force && state === drawn) return;
      drawn = state;
      stream.write(`${line()}\n`);
    }
    lastDraw = at;
  };

  const clear = (): void => {
    if (tty && name) stream.write("\r\x1b[2K");
  };

  return {
    phase(nextName, nextTotal) {
      if (name) {
        draw(true);
        if (tty) stream.write("\n");
      }
      name = nextName;
      total = nextTotal;
      count = 0;
      detail = "";
      started = now();
      lastDraw = 0;
      enterStage(nextName);
    },
    expect(stageName, seconds) {
      const stage = job.find((s) => s.name === stageName);
      if (stage) stage.expectSeconds = seconds;
    },
    update(nextCount, nextDetail) {
      count = nextCount;
      if (nextDetail !== undefined) detail = nextDetail;
      draw(false);
    },
    tick(n = 1) {
      count += n;
      draw(false);
    },
    log(message) {
      clear();
      stream.write(`${message}\n`);
      if (tty && name) draw(true);
    },
    done() {
      if (name) {
        draw(true);
        if (tty) stream.write("\n");
      }
      name = "";
    },
  };
}

/** A progress sink that discards everything (tests, library use). */
export const silentProgress: Progress = {
  phase() {},
  tick() {},
  update() {},
  log() {},
  expect() {},
  done() {},
};
