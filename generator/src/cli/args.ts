/** Small helpers over node:util parseArgs that turn bad values into RepoLoraError("BAD_ARGUMENT"). */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { RepoLoraError } from "../util/errors.ts";

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new RepoLoraError("BAD_ARGUMENT", (error as Error).message, "Run with --help to see the options.");
  }
}

export function numberOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) {
    throw new RepoLoraError("BAD_ARGUMENT", `--${name} must be a number ≥ ${min}, got '${value}'.`);
  }
  return parsed;
}

/** "a, b,,c" → ["a", "b", "c"]; absent → null (meaning "all"). */
export function listOption(value: string | undefined): string[] | null {
  return value
    ? value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)
    : null;
}

/** Aborts the returned signal on the first Ctrl-C / SIGTERM; a second one exits at once. */
export function cancelOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\nCancelling… (press Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
