/**
 * Errors a user can act on. `code` is stable (tests and the extension match on it); `hint` says what to do.
 */
export type ErrorCode =
  | "NOT_A_GIT_REPO"
  | "EMPTY_REPO"
  | "NO_SUPPORTED_FILES"
  | "OUTPUT_EXISTS"
  | "BAD_ARGUMENT"
  | "BAD_CUTOFF"
  | "BAD_DATASET"
  | "CANCELLED"
  | "GIT_FAILED"
  | "MODEL_NOT_FOUND"
  | "TRAINER_NOT_INSTALLED"
  | "TRAINER_FAILED";

export class RepoLoraError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = "RepoLoraError";
    this.code = code;
    this.hint = hint;
  }
}

export function isRepoLoraError(error: unknown): error is RepoLoraError {
  return error instanceof RepoLoraError;
}
