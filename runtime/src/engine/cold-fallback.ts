/**
 * A short prompt for a cold place (issue 15). On 2 cores the first keystroke where nothing is cached feeds the
 * whole ~1k-token prompt, ~3 s, which no time cap can cut (one `session.run`): the user waits and then gets
 * nothing. The server sends a second, short prompt with such requests; the worker answers from it instead when
 * the long one's uncached tokens would take more than a share of the time cap at the prefill speed it measured.
 * The long prompt is prefilled later where the cursor rests (the extension's warm-up has no cap).
 * Decision and measurements: docs/decisions/2026-12-06-cold-fallback.md.
 */

/** Prefills shorter than this say little about the speed per token (fixed costs dominate). */
const MIN_MEASURED_TOKENS = 64;
/** Weight of the newest measurement in the running estimate. */
const SMOOTHING = 0.3;
/** The long prompt is given up when its prefill alone would take more than this share of the cap: the rest is
 * for decoding (measured: at 0.6, answers feeding ~160 tokens took ~1.1 s with a 1 s cap). */
export const FALLBACK_CAP_SHARE = 0.3;

/** The worker's prefill speed, ms per token fed, from its own prefills. */
export class PrefillSpeed {
  private msPerToken: number | null = null;

  observe(tokensFed: number, ms: number): void {
    if (tokensFed < MIN_MEASURED_TOKENS || !(ms > 0)) return;
    const measured = ms / tokensFed;
    this.msPerToken =
      this.msPerToken === null ? measured : (1 - SMOOTHING) * this.msPerToken + SMOOTHING * measured;
  }

  /** Estimated ms to feed `tokens`; null before any prefill was measured. */
  estimateMs(tokens: number): number | null {
    return this.msPerToken === null ? null : this.msPerToken * tokens;
  }
}

/**
 * Whether to answer from the short prompt: the long one's uncached tokens would take more than
 * FALLBACK_CAP_SHARE of the cap, and the short one needs fewer. Never before the speed is known.
 */
export function answerFromFallback(
  speed: PrefillSpeed,
  timeoutMs: number,
  fedByPrompt: number,
  fedByFallback: number,
): boolean {
  const prompt = speed.estimateMs(fedByPrompt);
  if (prompt === null || prompt <= FALLBACK_CAP_SHARE * timeoutMs) return false;
  return fedByFallback < fedByPrompt;
}
