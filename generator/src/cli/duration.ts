import { RepoLoraError } from "../util/errors.ts";

/** "90s", "10m", "1h30m", "45" (seconds) → seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(trimmed);
  if (!match || trimmed === "") {
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `Cannot read the duration '${text}'.`,
      "Use e.g. 90s, 10m or 1h30m.",
    );
  }
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}
