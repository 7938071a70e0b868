/**
 * Why a tracked file is not training material. These are the keys of the manifest's
 * `counts.skippedFiles`: add, never rename.
 */
export const SKIP_REASONS = [
  "secret_file",
  "ignored",
  "vendored",
  "generated",
  "lock",
  "binary",
  "non_utf8",
  "minified",
  "too_large",
  "empty",
  // Decided by the caller from git's file modes and the chosen subdirectory; listed so counts share one type.
  "symlink",
  "submodule",
  "outside_subdir",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface Skip {
  reason: SkipReason;
}
