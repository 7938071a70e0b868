/**
 * The per-request time cap as the decode loop sees it: a function that turns true once the milliseconds are
 * spent. The clock is injected so tests step it by hand (no wall-clock assertions).
 */

export type Clock = () => number;

/** True from `ms` after the call on; undefined (no cap) for an absent cap. */
export function deadlineAfter(
  ms: number | undefined,
  now: Clock = () => performance.now(),
): (() => boolean) | undefined {
  if (ms === undefined) return undefined;
  const at = now() + ms;
  return () => now() >= at;
}
