/** Small helpers over node:util parseArgs that turn bad values into RepoLoraError("BAD_ARGUMENT"). */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { LANGUAGES, TEXT_LANGUAGE } from "../parse/languages.ts";
import { RepoLoraError } from "../util/errors.ts";
import { didYouMean } from "./suggest.ts";

const HELP_HINT = "Run with --help to see the options.";

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
) {
  const parsed = parseStrict(args, options);
  // Every command that takes --languages checks it here, before any slow work.
  const languages = (parsed.values as Record<string, unknown>).languages;
  if (typeof languages === "string") languagesOption(languages);
  return parsed;
}

function parseStrict<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      friendlyParseError(error as Error & { code?: string }, options),
      HELP_HINT,
    );
  }
}

/** parseArgs' messages, reworded: they name internals ("positional argument … after '--'") and leave quotes open. */
function friendlyParseError(
  error: Error & { code?: string },
  options: NonNullable<ParseArgsConfig["options"]>,
): string {
  const option =
    /Option '(-[^' ]+)/.exec(error.message)?.[1] ?? /option '(-[^']+)'/i.exec(error.message)?.[1];
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) {
    const names = Object.keys(options).map((name) => `--${name}`);
    return `Unknown option '${option}'.${didYouMean(option.split("=")[0] ?? option, names)}`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    if (/does not take an argument/.test(error.message)) return `${option} is a switch; it takes no value.`;
    if (/ambiguous/.test(error.message))
      return `${option} needs a value, and the next argument starts with '-'; write ${option}=<value> for a value that starts with '-'.`;
    return `${option} needs a value.`;
  }
  return error.message.split("\n")[0] ?? error.message;
}

/** Every value --languages accepts: the grammars of the language table, and the line-based fallback. */
export const LANGUAGE_IDS: readonly string[] = [...LANGUAGES.map((l) => l.id), TEXT_LANGUAGE];

/** --languages a,b: checked against the language table (a typo would otherwise end in "no source files"). */
export function languagesOption(value: string | undefined): string[] | null {
  const list = listOption(value);
  for (const id of list ?? []) {
    if (!LANGUAGE_IDS.includes(id))
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `Unknown language '${id}' in --languages.${didYouMean(id, LANGUAGE_IDS)}`,
        `Supported languages: ${LANGUAGE_IDS.join(", ")}.`,
      );
  }
  return list;
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

let cancelRequested = false;

/**
 * Whether the user asked to cancel (Ctrl-C / SIGTERM) during this process. Ctrl-C reaches the whole process
 * group, so a git or Python child may die of it and the command fail with that child's error; main() reports
 * such a failure as the cancel it is.
 */
export function cancelWasRequested(): boolean {
  return cancelRequested;
}

/** Aborts the returned signal on the first Ctrl-C / SIGTERM; a second one exits at once. */
export function cancelOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    cancelRequested = true;
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
