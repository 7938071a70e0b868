/** Cancellation between units of work: long loops call checkpoint(signal) at safe points. */
import { RepoLoraError } from "./errors.ts";

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RepoLoraError("CANCELLED", "Cancelled; nothing was written.");
}

let lastYield = 0;

/**
 * Lets pending events run (a Ctrl-C handler is a macrotask: a loop of synchronous work awaiting only resolved
 * promises would never see it), at most every 50 ms, then throws if cancelled.
 */
export async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  const now = performance.now();
  if (now - lastYield >= 50) {
    lastYield = now;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throwIfCancelled(signal);
}
