/**
 * A change to the scrubbing rules invalidates the caches that hold scrubbed text. Built once under "old"
 * rules that miss a secret (the scrubber is replaced by one that finds nothing), the scrub and record caches
 * hold the raw value; with the real rules but the same fingerprint those entries are reused and the value
 * still leaks (the control: the cache is what decides), and once the fingerprint changes nothing cached is
 * reused and the value is gone from the dataset and from the cache folder.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildDataset } from "../generator/src/dataset/build.ts";
import type { ScrubResult } from "../generator/src/secrets/index.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const rules = vi.hoisted(() => ({ fingerprint: "old", weak: true }));

vi.mock("../generator/src/secrets/rules-version.ts", () => ({
  SCRUB_RULES_VERSION: 0,
  scrubRulesFingerprint: () => rules.fingerprint,
}));

vi.mock("../generator/src/secrets/scrub.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../generator/src/secrets/scrub.ts")>();
  return {
    scrubSecrets: (text: string): ScrubResult =>
      rules.weak ? { text, counts: real.scrubSecrets("").counts } : real.scrubSecrets(text),
  };
});

const SECRET = "Hq7Lm2Xv9Rt4Kp8Wz3Nb6Cd1Fg";

const body = (when: string) =>
  [
    `export const apiToken = "${SECRET}";`,
    "",
    ...Array.from(
      { length: 8 },
      (_, i) => `export function ${when}Step${i}(x: number): number {\n  return x * ${i + 2};\n}\n`,
    ),
  ].join("\n");

function cacheFilesWith(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else if (readFileSync(path).includes(needle)) found.push(path);
  };
  walk(dir);
  return found;
}

describe("scrub-rules fingerprint", () => {
  let repo: TestRepo;
  let cutoff: string;
  const cacheDir = tempDir("repolora-cache-");

  const build = async () => {
    const out = join(tempDir(), "dataset");
    const { manifest } = await buildDataset({
      repo: repo.root,
      out,
      cutoff,
      cacheDir,
      progress: silentProgress,
    });
    const text =
      readFileSync(join(out, "train.jsonl"), "utf8") + readFileSync(join(out, "eval.jsonl"), "utf8");
    return { text, hits: manifest.timings.recordCacheHits ?? 0 };
  };

  beforeAll(() => {
    repo = new TestRepo();
    repo.write("src/config.ts", body("old"));
    cutoff = repo.commit("config", "2024-03-01T10:00:00Z");
    repo.write("src/config.ts", `${body("old")}\n${body("new")}`);
    repo.commit("more steps", "2025-06-01T10:00:00Z");
  });
  afterAll(() => repo.remove());

  it("leaks under the old rules, is reused with the same fingerprint, and is remade under a new one", async () => {
    rules.weak = true;
    const old = await build();
    expect(old.text).toContain(SECRET);
    expect(cacheFilesWith(cacheDir, SECRET).length).toBeGreaterThan(0);

    rules.weak = false; // better rules, same fingerprint: the cached (raw) records are reused
    const stale = await build();
    expect(stale.hits).toBeGreaterThan(0);
    expect(stale.text).toContain(SECRET);

    rules.fingerprint = "new";
    const fresh = await build();
    expect(fresh.hits).toBe(0);
    expect(fresh.text).not.toContain(SECRET);
    expect(fresh.text).toContain("REDACTED");
    expect(cacheFilesWith(cacheDir, SECRET)).toEqual([]);
  });
});
