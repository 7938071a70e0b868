/**
 * Secrets in every form the scrubber knows (test/helpers/secret-forms.ts): first each form alone, then all
 * of them committed to a repository — in the training snapshot and again in code added after the cutoff —
 * and built into a dataset with the default caches under $REPOLORA_HOME. No secret value may appear in any
 * byte the build writes: train.jsonl, eval.jsonl, dataset.json and every cache file, cold and warm.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDataset } from "../generator/src/dataset/build.ts";
import { defaultCacheDir } from "../generator/src/dataset/cache-dir.ts";
import { type SecretKind, scrubSecrets } from "../generator/src/secrets/index.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import type { DatasetManifest } from "../runtime/src/contracts/dataset.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";
import { NEAR_MISSES, SECRET_FORMS, secretValues } from "./helpers/secret-forms.ts";

const nonZero = (counts: Record<SecretKind, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));

/** Every file under `dir` (recursively) whose bytes contain one of `needles`, with the needle. */
function filesContaining(dir: string, needles: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      return;
    }
    const bytes = readFileSync(path);
    for (const needle of needles) if (bytes.includes(needle)) found.push(`${path}: ${needle}`);
  };
  walk(dir);
  return found;
}

describe("secret forms, one file at a time", () => {
  const values = secretValues(SECRET_FORMS.length, 16);
  const cases = SECRET_FORMS.map((form, i) => ({ ...form, secret: values[i]! }));

  it("plants at least 40 forms across file types, each with its own value", () => {
    expect(SECRET_FORMS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(values).size).toBe(SECRET_FORMS.length);
    expect(new Set(SECRET_FORMS.map((f) => f.path)).size).toBe(SECRET_FORMS.length);
  });

  it.each(cases)("$description ($path)", ({ render, secret, keeps, kind }) => {
    const input = render(secret);
    expect(input).toContain(secret);
    const { text, counts } = scrubSecrets(input);
    expect(text).not.toContain(secret);
    expect(text).toContain(keeps); // only the value goes; the key stays learnable
    expect(nonZero(counts)).toEqual({ [kind]: 1 });
  });

  it.each(NEAR_MISSES)("leaves %s unchanged", (_description, text) => {
    const result = scrubSecrets(text);
    expect(nonZero(result.counts)).toEqual({});
    expect(result.text).toBe(text);
  });
});

describe("secret forms in a dataset build", () => {
  const oldValues = secretValues(SECRET_FORMS.length, 2024);
  const newValues = secretValues(SECRET_FORMS.length, 2025);
  const allValues = [...oldValues, ...newValues];
  let repo: TestRepo;
  let home: string;
  let cutoff: string;
  const savedHome = process.env.REPOLORA_HOME;

  const filler = (i: number, when: string) =>
    Array.from({ length: 6 }, (_, line) => `# ${when} note ${i}.${line}: orders are totalled in cents`).join(
      "\n",
    );

  const build = async (): Promise<{ out: string; manifest: DatasetManifest }> => {
    const out = join(tempDir(), "dataset");
    const { manifest } = await buildDataset({ repo: repo.root, out, cutoff, progress: silentProgress });
    return { out, manifest };
  };

  beforeAll(() => {
    home = tempDir("repolora-home-");
    process.env.REPOLORA_HOME = home;
    repo = new TestRepo();
    const oldText = (i: number) => `${filler(i, "old")}\n${SECRET_FORMS[i]!.render(oldValues[i]!)}`;
    for (const [i, form] of SECRET_FORMS.entries()) repo.write(form.path, oldText(i));
    cutoff = repo.commit("config and code with secrets", "2024-03-01T10:00:00Z");
    for (const [i, form] of SECRET_FORMS.entries())
      repo.write(form.path, `${oldText(i)}\n${filler(i, "new")}\n${form.render(newValues[i]!)}`);
    repo.commit("more of the same after the cutoff", "2025-06-01T10:00:00Z");
  });
  afterAll(() => {
    if (savedHome === undefined) delete process.env.REPOLORA_HOME;
    else process.env.REPOLORA_HOME = savedHome;
    repo.remove();
  });

  it("the scan finds a planted value where there is one", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "raw.txt"), `x = ${newValues[3]}\n`);
    expect(filesContaining(dir, allValues)).toEqual([`${join(dir, "raw.txt")}: ${newValues[3]}`]);
  });

  it("writes no secret value anywhere: dataset and caches, cold and warm", async () => {
    const cacheDir = defaultCacheDir(repo.root);
    expect(cacheDir.startsWith(join(home, "cache"))).toBe(true);

    const cold = await build();
    const warm = await build();
    for (const { out, manifest } of [cold, warm]) {
      const train = readFileSync(join(out, "train.jsonl"), "utf8");
      const evaluation = readFileSync(join(out, "eval.jsonl"), "utf8");
      // The secret-bearing files reached both splits, scrubbed.
      expect(train).toContain("REDACTED");
      expect(evaluation).toContain("REDACTED");
      expect(manifest.counts.eval).toBeGreaterThan(0);
      const scrubbed = Object.values(manifest.counts.secretsScrubbed).reduce((a, b) => a + b, 0);
      // The manifest counts HEAD's files: every form there twice (the old and the new value), but for the
      // files selection skips whole (the JSON files, as data).
      const skipped = Object.values(manifest.counts.skippedFiles).reduce((a, b) => a + b, 0);
      expect(skipped).toBeLessThan(6);
      expect(scrubbed).toBe(2 * (SECRET_FORMS.length - skipped));
      expect(filesContaining(out, allValues)).toEqual([]);
    }
    expect(warm.manifest.timings.recordCacheHits).toBeGreaterThan(0);
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0);
    expect(filesContaining(home, allValues)).toEqual([]);
  });
});
