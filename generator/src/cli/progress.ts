/**
 * Progress for long work: a redrawn bar on a TTY, plain throttled lines otherwise (CI logs, pipes).
 * Writes to stderr so stdout stays clean for results.
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
  done(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Force TTY rendering on or off; defaults to the stream's isTTY. */
  tty?: boolean;
  /** Minimum ms between plain-line updates. */
  plainIntervalMs?: number;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const plainIntervalMs = options.plainIntervalMs ?? 2000;
  let name = "";
  let total = 0;
  let count = 0;
  let started = Date.now();
  let lastDraw = 0;
  let detail = "";

  const line = (): string => {
    const elapsed = (Date.now() - started) / 1000;
    const suffix = detail ? ` ${detail}` : "";
    if (total <= 0) return `${name}: ${count} (${elapsed.toFixed(1)}s)${suffix}`;
    const fraction = Math.min(1, count / total);
    const width = 28;
    const filled = Math.round(fraction * width);
    const eta = fraction > 0 ? (elapsed / fraction - elapsed).toFixed(0) : "?";
    const bar = tty ? `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ` : "";
    return `${name}: ${bar}${count}/${total} ${(fraction * 100).toFixed(0)}% eta ${eta}s${suffix}`;
  };

  // What the last plain line showed: a forced draw (phase end, done) that has nothing new to say is skipped,
  // else the last line of a phase printed twice.
  let drawn = "";
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (tty) {
      if (!force && now - lastDraw < 80) return;
      stream.write(`\r\x1b[2K${line()}`);
    } else {
      if (!force && now - lastDraw < plainIntervalMs) return;
      const state = `${name}\0${count}\0${detail}`;
      if (force && state === drawn) return;
      drawn = state;
      stream.write(`${line()}\n`);
    }
    lastDraw = now;
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
      started = Date.now();
      lastDraw = 0;
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
  done() {},
};
