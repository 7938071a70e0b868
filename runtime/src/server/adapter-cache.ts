/**
 * Bookkeeping of the adapters loaded in the engine: an LRU bounded in bytes. Adapters a workspace is bound to
 * are pinned — never evicted, even when the pinned ones alone exceed the bound (a warning says so).
 */
export interface CachedAdapter {
  key: string;
  dir: string;
  bytes: number;
}

export class AdapterCache {
  /** Insertion order = least recently used first. */
  private readonly entries = new Map<string, CachedAdapter>();

  constructor(
    readonly maxBytes: number,
    private readonly isPinned: (key: string) => boolean,
  ) {}

  get totalBytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    return total;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  list(): CachedAdapter[] {
    return [...this.entries.values()];
  }

  /** Marks adapters as just used. */
  touch(keys: readonly string[]): void {
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
  }

  /**
   * Records a loaded adapter (replacing one with the same key) and returns the keys to evict, least recently
   * used first, until the total fits or only pinned adapters and this one remain.
   */
  add(entry: CachedAdapter): string[] {
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    const evicted: string[] = [];
    let total = this.totalBytes;
    for (const candidate of [...this.entries.values()]) {
      if (total <= this.maxBytes) break;
      if (candidate.key === entry.key || this.isPinned(candidate.key)) continue;
      this.entries.delete(candidate.key);
      evicted.push(candidate.key);
      total -= candidate.bytes;
    }
    return evicted;
  }

  remove(key: string): void {
    this.entries.delete(key);
  }
}
