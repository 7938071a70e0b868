/**
 * Debouncer for completion requests: each call supersedes the previous one, so only the request made after
 * the user paused for `delayMs` goes on to the model. Cancellation comes from the caller's AbortSignal.
 */
export class Debouncer {
  private pending: { timer: ReturnType<typeof setTimeout>; resolve: (ok: boolean) => void } | null = null;

  /** Resolves true after `delayMs` when neither a newer call nor `signal` cancelled it, false otherwise. */
  wait(delayMs: number, signal?: AbortSignal): Promise<boolean> {
    this.supersede();
    if (signal?.aborted) return Promise.resolve(false);
    if (delayMs <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const onAbort = () => finish(false);
      const finish = (ok: boolean) => {
        if (this.pending?.resolve === finish) {
          clearTimeout(this.pending.timer);
          this.pending = null;
        }
        signal?.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      this.pending = { timer: setTimeout(() => finish(true), delayMs), resolve: finish };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Cancels the waiting call, if any (it resolves false). */
  supersede(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.resolve(false);
  }
}
