/**
 * Blobs secret scrubbing left untouched, so a re-run skips scrubbing them: a blob id names its bytes, and an
 * entry is recorded only when scrubbing returned the very same text and counted nothing. The set is tied to
 * the scrub-rules fingerprint (secrets/rules-version.ts) and the code fingerprint (record-cache.ts), so a
 * change to the scrubbing rules empties it. One checked file per
 * repo (mine/checked-file.ts); a corrupt file is an empty set; it keeps only the blobs the last run read.
 */
import { join } from "node:path";
import { readCheckedFile, writeCheckedFile } from "../mine/checked-file.ts";
import { scrubRulesFingerprint } from "../secrets/index.ts";
import { codeFingerprint } from "./record-cache.ts";

export const SCRUB_CACHE_VERSION = 1;
const MAGIC = `repolora-scrub-v${SCRUB_CACHE_VERSION}`;

export class ScrubCache {
  private readonly seen = new Set<string>();
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly clean: Set<string>,
  ) {}

  static open(dir: string | null): ScrubCache | null {
    if (!dir) return null;
    const file = join(dir, `scrub-v${SCRUB_CACHE_VERSION}.json`);
    let clean = new Set<string>();
    const body = readCheckedFile(file, MAGIC);
    if (body !== null) {
      try {
        const stored = JSON.parse(body) as { code?: unknown; scrubRules?: unknown; clean?: unknown };
        if (
          stored.code === codeFingerprint() &&
          stored.scrubRules === scrubRulesFingerprint() &&
          Array.isArray(stored.clean) &&
          stored.clean.every((b) => typeof b === "string")
        )
          clean = new Set(stored.clean as string[]);
      } catch {
        clean = new Set();
      }
    }
    return new ScrubCache(file, clean);
  }

  /** True when this blob is known to scrub to itself with nothing found. */
  isClean(blob: string): boolean {
    if (!this.clean.has(blob)) return false;
    this.seen.add(blob);
    return true;
  }

  markClean(blob: string): void {
    this.seen.add(blob);
    this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.changed && this.seen.size === this.clean.size) return;
    const body = JSON.stringify({
      code: codeFingerprint(),
      scrubRules: scrubRulesFingerprint(),
      clean: [...this.seen].sort(),
    });
    await writeCheckedFile(this.file, MAGIC, body).catch(() => {});
  }
}
