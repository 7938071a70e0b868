/**
 * When to warm the runtime up at the cursor (CompletionPipeline.warm): after it came to rest at a new place
 * without typing. Typing moves the cursor too, but each keystroke asks for a completion itself (and so keeps
 * the runtime warm); a move is typing when the document's version changed since the previous cursor event.
 * Editor-independent: the VS Code glue feeds cursor and edit events, timers are injected for tests.
 */

export interface CursorEvent {
  uri: string;
  /** The document's version when the cursor moved. */
  version: number;
  offset: number;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Documents whose last version is remembered (the most recent ones). */
const MAX_DOCUMENTS = 64;

export class WarmUpTrigger {
  private readonly versions = new Map<string, number>();
  private pending: unknown = null;
  private pendingUri = "";
  /** The last place warmed: the same place is not warmed twice. */
  private warmed = "";

  constructor(
    /** The rest time in ms; 0 = off (read on every event, so a settings change applies at once). */
    private readonly delayMs: () => number,
    private readonly fire: (event: CursorEvent) => void,
    private readonly timers: Timers = {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
  ) {}

  /** A single cursor (no selection) moved. */
  cursorMoved(event: CursorEvent): void {
    this.cancel();
    const previous = this.versions.get(event.uri);
    this.versions.delete(event.uri);
    this.versions.set(event.uri, event.version);
    if (this.versions.size > MAX_DOCUMENTS) this.versions.delete(this.versions.keys().next().value as string);
    const delay = this.delayMs();
    if (delay <= 0) return;
    if (previous !== undefined && previous !== event.version) return; // moved by typing
    const place = `${event.uri}\u0000${event.version}\u0000${event.offset}`;
    if (place === this.warmed) return;
    this.pendingUri = event.uri;
    this.pending = this.timers.setTimeout(() => {
      this.pending = null;
      this.warmed = place;
      this.fire(event);
    }, delay);
  }

  /** The document changed: a warm-up waiting for the cursor to rest is no longer wanted. */
  edited(uri: string): void {
    if (this.pendingUri === uri) this.cancel();
  }

  cancel(): void {
    if (this.pending !== null) this.timers.clearTimeout(this.pending);
    this.pending = null;
  }
}
