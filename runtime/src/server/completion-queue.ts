/**
 * Runs completions one at a time, in arrival order. A job can be cancelled while it waits (it is dropped and
 * its promise rejects with CancelledError) or while it runs (its AbortSignal fires; the job decides what to
 * return). A newer job for the same document cancels the older one.
 */
export class CancelledError extends Error {
  constructor(message = "cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}

/** A request's id: the raw JSON token from the server, or any key a direct caller picks. */
export type JobId = string | number;

interface Job<T> {
  id: JobId;
  documentUri: string;
  controller: AbortController;
  run: (signal: AbortSignal) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class CompletionQueue<T> {
  private readonly waiting: Job<T>[] = [];
  private running: Job<T> | null = null;
  /** Settles when the running job does. */
  private idle: Promise<void> = Promise.resolve();

  enqueue(id: JobId, documentUri: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ id, documentUri, controller: new AbortController(), run, resolve, reject });
      this.pump();
    });
  }

  /** Cancels a waiting or running job by id; false when no such job. */
  cancel(id: JobId, reason = "cancelled by the client"): boolean {
    if (this.running?.id === id) {
      this.running.controller.abort();
      return true;
    }
    const index = this.waiting.findIndex((job) => job.id === id);
    if (index < 0) return false;
    const [job] = this.waiting.splice(index, 1);
    job!.reject(new CancelledError(reason));
    return true;
  }

  /** Cancels every job of this document (the ones a newer request replaces); returns their ids. */
  cancelDocument(documentUri: string, reason: string): JobId[] {
    const ids = [...this.waiting, ...(this.running ? [this.running] : [])]
      .filter((job) => job.documentUri === documentUri && !job.controller.signal.aborted)
      .map((job) => job.id);
    for (const id of ids) this.cancel(id, reason);
    return ids;
  }

  /** Cancels everything (shutdown) and resolves once no job runs. */
  async drain(reason: string): Promise<void> {
    for (const job of [...this.waiting]) this.cancel(job.id, reason);
    const running = this.running;
    if (running) {
      running.controller.abort();
      await this.idle;
    }
  }

  /** Rejects every waiting job with `error` (the engine died: they will never run). */
  failWaiting(error: Error): void {
    for (const job of this.waiting.splice(0)) job.reject(error);
  }

  get size(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  private pump(): void {
    if (this.running) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.running = job;
    this.idle = job
      .run(job.controller.signal)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.running = null;
        this.pump();
      });
  }
}
