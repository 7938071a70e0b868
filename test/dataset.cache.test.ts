/**
 * The dataset caches (parse, scrub, per-commit numstat, per-file records) never change the output: builds with a
 * cold, warm and incrementally stale cache write byte-identical train.jsonl / eval.jsonl to a build without
 * caches, including when a file the records took context from changes, and a corrupt cache entry is a miss.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuildOptions, buildDataset } from "../generator/src/dataset/build.ts";
import { CommitCache } from "../generator/src/mine/commit-cache.ts";
import { type CommitStat, walkHistory } from "../generator/src/mine/history.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import type { DatasetManifest } from "../runtime/src/contracts/dataset.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE, type FixtureRepo } from "./helpers/fixture-repo.ts";
import { tempDir } from "./helpers/git-repo.ts";

interface Built {
  train: string;
  eval: string;
  manifest: DatasetManifest;
}

describe("dataset caches", () => {
  let fixture: FixtureRepo;
  let cacheDir: string;

  const build = async (cache: string | null, extra: Partial<BuildOptions> = {}): Promise<Built> => {
    const out = join(tempDir(), "dataset");
    const { manifest } = await buildDataset({
      repo: fixture.repo.root,
      out,
      evalShare: FIXTURE_EVAL_SHARE,
      progress: silentProgress,
      cacheDir: cache,
      ...extra,
    });
    return {
      train: readFileSync(join(out, "train.jsonl"), "utf8"),
      eval: readFileSync(join(out, "eval.jsonl"), "utf8"),
      manifest,
    };
  };
  const expectSame = (cached: Built, plain: Built) => {
    expect(cached.train).toBe(plain.train);
    expect(cached.eval).toBe(plain.eval);
    const { timings: _a, createdAt: _b, ...cachedRest } = cached.manifest;
    const { timings: _c, createdAt: _d, ...plainRest } = plain.manifest;
    expect(cachedRest).toEqual(plainRest);
  };

  beforeAll(() => {
    fixture = buildFixtureRepo();
    cacheDir = tempDir();
  });
  afterAll(() => fixture.repo.remove());

  it("gives the no-cache output cold, warm and after new commits", async () => {
    const plain = await build(null);
    expect(plain.train.length).toBeGreaterThan(0);
    const cold = await build(cacheDir);
    expectSame(cold, plain);
    const warm = await build(cacheDir);
    expectSame(warm, plain);
    expect(warm.manifest.timings.recordCacheHits).toBeGreaterThan(0);
    expect(warm.manifest.timings.parseCacheMisses).toBe(0);

    // A new commit: the cutoff stays (pinned), HEAD's evaluation records are remade.
    fixture.repo.write(
      "src/orders.ts",
      `${readFileSync(join(fixture.repo.root, "src/orders.ts"), "utf8")}\nexport function orderCount(orders: Order[]): number {\n  return orders.length;\n}\n`,
    );
    fixture.repo.commit("orders: count", "2025-06-03T10:00:00Z");
    const pinned = { cutoff: fixture.oldHead };
    const incremental = await build(cacheDir, pinned);
    expectSame(incremental, await build(null, pinned));
    expect(incremental.manifest.timings.commitCacheHits).toBeGreaterThan(0);
    expect(incremental.manifest.timings.recordCacheHits).toBeGreaterThan(0);
  });

  it("remakes records whose context came from a file that changed, and only from the cache otherwise", async () => {
    const pinned = { cutoff: fixture.oldHead };
    const before = await build(cacheDir, pinned);
    // orders.ts takes context from money.ts (an import); with money.ts gone at HEAD it is no longer part of
    // the training snapshot either, so the cutoff's orders.ts records must change although their blob did not.
    expect(before.train).toContain('"path":"src/money.ts"');
    fixture.repo.git("rm", "-q", "src/money.ts");
    fixture.repo.commit("money: remove", "2025-06-04T10:00:00Z");
    const after = await build(cacheDir, pinned);
    const plain = await build(null, pinned);
    expectSame(after, plain);
    expect(plain.train).not.toContain('"path":"src/money.ts"');
    expect(after.manifest.timings.recordCacheHits).toBeGreaterThan(0);
  });

  it("ignores corrupt cache entries", async () => {
    await build(cacheDir);
    const recordsDir = join(cacheDir, "records-v1");
    const entries = readdirSync(recordsDir).filter((n) => n.endsWith(".jsonl"));
    expect(entries.length).toBeGreaterThan(3);
    // A flipped byte (digest mismatch), a truncated file, a valid-looking header over garbage, an empty file.
    const first = join(recordsDir, entries[0]!);
    const text = readFileSync(first, "utf8");
    writeFileSync(first, `${text.slice(0, -2)}${text.at(-2) === "x" ? "y" : "x"}${text.at(-1)}`);
    writeFileSync(join(recordsDir, entries[1]!), readFileSync(join(recordsDir, entries[1]!)).subarray(0, 40));
    writeFileSync(join(recordsDir, entries[2]!), `${text.split("\n")[0]}\n{not json`);
    writeFileSync(join(recordsDir, entries[3]!), "");
    const commits = readdirSync(cacheDir).find((n) => n.startsWith("commits-"))!;
    writeFileSync(join(cacheDir, commits), "repolora-commits-v1 0\n{]");
    const scrub = readdirSync(cacheDir).find((n) => n.startsWith("scrub-"))!;
    writeFileSync(join(cacheDir, scrub), "repolora-scrub-v1 0\n[]");
    const parse = readdirSync(cacheDir).find((n) => n.startsWith("parse-"))!;
    writeFileSync(join(cacheDir, parse), "{ truncated");
    const recovered = await build(cacheDir);
    expectSame(recovered, await build(null));
    expect(recovered.manifest.timings.recordCacheHits).toBeGreaterThan(0);
  });

  it("walks history with the commit cache exactly as without it", async () => {
    const dir = tempDir();
    const root = fixture.repo.root;
    const walk = async (range: string, cache: CommitCache | null, limit = 1000) => {
      const commits: CommitStat[] = [];
      await walkHistory(root, range, "", (c) => commits.push(c) < limit, cache);
      return commits;
    };
    // Warm the cache at an older commit, then walk from HEAD: new commits are diffed, the rest come cached.
    const old = CommitCache.open(dir)!;
    await walk(fixture.oldHead, old);
    await old.save();
    const cache = CommitCache.open(dir)!;
    expect(await walk("HEAD", cache)).toEqual(await walk("HEAD", null));
    expect(cache.hits).toBeGreaterThan(0);
    expect(cache.misses).toBeGreaterThan(0);
    for (const limit of [1, 2, 3])
      expect(await walk("HEAD", CommitCache.open(dir), limit)).toEqual(await walk("HEAD", null, limit));
    expect(await walk(`${fixture.oldHead}..HEAD`, CommitCache.open(dir))).toEqual(
      await walk(`${fixture.oldHead}..HEAD`, null),
    );
  });
});
