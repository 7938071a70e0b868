/**
 * Which tracked files become training data. Pure and cheap: the caller walks git and passes each file's
 * path and size, then the bytes of those that pass; nothing here touches git or the disk.
 */
import ignore, { type Ignore } from "ignore";
import { isSecretPath } from "../secrets/index.ts";
import { RepoLoraError } from "../util/errors.ts";
import { classifyBytes } from "./content-rules.ts";
import { pathRuleReason } from "./path-rules.ts";
import type { Skip } from "./skip-reason.ts";

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_LINE_LENGTH = 1000;

export interface FileFilterOptions {
  /**
   * Contents of the repo's .repoloraignore, in gitignore syntax, matched case-insensitively. A negation
   * such as `!build/**` also keeps files that the built-in vendored, generated, lock and binary rules would
   * skip; it never keeps secret files or files over `maxFileBytes`.
   */
  repoloraIgnore?: string;
  /** Files larger than this are skipped as too_large before they are read. Default 1 MiB. */
  maxFileBytes?: number;
  /** A line longer than this that holds most of its file marks the file minified. Default 1000. */
  maxLineLength?: number;
}

export interface FileFilter {
  /** Checks that need only the repo-relative POSIX path and the size in bytes; null means read the file. */
  classifyPath(path: string, size: number): Skip | null;
  /** Checks on the file's whole content; on success, the decoded text (BOM removed). */
  classifyContent(path: string, bytes: Uint8Array): Skip | { text: string };
}

export function createFileFilter(options: FileFilterOptions = {}): FileFilter {
  const maxFileBytes = positiveInteger(options, "maxFileBytes", DEFAULT_MAX_FILE_BYTES);
  const maxLineLength = positiveInteger(options, "maxLineLength", DEFAULT_MAX_LINE_LENGTH);
  const userRules: Ignore | null = options.repoloraIgnore?.trim()
    ? ignore({ ignorecase: true }).add(options.repoloraIgnore)
    : null;

  return {
    classifyPath(path, size) {
      if (isSecretPath(path)) return { reason: "secret_file" };
      const user = userRules?.test(path);
      if (user?.ignored) return { reason: "ignored" };
      const builtIn = user?.unignored ? null : pathRuleReason(path);
      if (builtIn) return { reason: builtIn };
      if (size > maxFileBytes) return { reason: "too_large" };
      return null;
    },
    classifyContent(path, bytes) {
      return classifyBytes(path, bytes, maxLineLength);
    },
  };
}

function positiveInteger(
  options: FileFilterOptions,
  field: "maxFileBytes" | "maxLineLength",
  fallback: number,
) {
  const value = options[field] ?? fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RepoLoraError("BAD_ARGUMENT", `${field} must be a positive integer, got ${value}.`);
  }
  return value;
}
