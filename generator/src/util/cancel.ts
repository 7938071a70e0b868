/** Cancellation between units of work: long loops call throwIfCancelled(signal) at safe points. */
import { RepoLoraError } from "./errors.ts";

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RepoLoraError("CANCELLED", "Cancelled; nothing was written.");
}
