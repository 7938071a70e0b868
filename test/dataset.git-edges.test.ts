/**
 * Repositories git itself finds awkward: an object deleted from history, a blobless partial clone whose
 * remote is gone, a bare repository. Each gets a dataset with what is readable, a count and a hint, or a
 * clear refusal; never a raw git error.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildDataset } from "../generator/src/dataset/build.ts";
import { FETCH_MISSING_ENV, gitEnvironment } from "../generator/src/mine/spawn.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const build = (repo: string, extra: Partial<Parameters<typeof buildDataset>[0]> = {}) =>
  buildDataset({ repo, out: join(tempDir(), "out"), progress: silentProgress, cacheDir: null, ...extra });

const APP = "def add(a, b):\n    total = a + b\n    return total\n\n\ndef sub(a, b):\n    return a - b\n";
const LIB_V1 = "def old_helper(x):\n    value = x * 3\n    return value\n";
const LIB_V2 = "def old_helper(x):\n    value = x * 4\n    return value + 1\n";

/** lib.py's first version lives only in the two 2024 commits' history; app.py grows in 2025. */
function historyRepo(): { repo: TestRepo; libV1: string } {
  const repo = new TestRepo();
  repo.write("app.py", APP).write("lib.py", LIB_V1);
  repo.commit("one", "2024-01-01T00:00:00Z");
  const libV1 = repo.git("rev-parse", "HEAD:lib.py").trim();
  repo.write("lib.py", LIB_V2);
  repo.commit("two", "2024-02-01T00:00:00Z");
  repo.write("app.py", `${APP}\n\ndef mul(a, b):\n    product = a * b\n    return product\n`);
  repo.commit("three", "2025-03-01T00:00:00Z");
  return { repo, libV1 };
}

const objectCount = (root: string) =>
  execFileSync("git", ["cat-file", "--batch-all-objects", "--batch-check"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  })
    .trim()
    .split("\n").length;

describe("an object deleted from history", () => {
  it("skips what the lost blob touches, counts it and warns once, at any cutoff", async () => {
    const { repo, libV1 } = historyRepo();
    // No gc ran, so the blob is a loose object: deleting its file loses it for good.
    const loose = join(repo.root, ".git", "objects", libV1.slice(0, 2), libV1.slice(2));
    expect(existsSync(loose)).toBe(true);
    rmSync(loose);
    expect(() => repo.git("log", "--numstat")).toThrow(/unable to read/);

    // Cutoff before the blob was replaced: the cutoff tree holds it, and the diff to HEAD reads it.
    const before = await build(repo.root, { cutoff: "2024-01-15" });
    expect(before.manifest.counts.missingObjects).toBe(1);
    expect(before.manifest.warnings.filter((w) => w.includes("git object")).length).toBe(1);
    expect(before.manifest.warnings.join("\n")).toMatch(/1 git object\(s\).*fsck/);
    const train = readFileSync(join(before.out, "train.jsonl"), "utf8");
    expect(train).not.toContain("lib.py");
    expect(before.manifest.counts.eval).toBeGreaterThan(0);

    // A default cutoff whose history walk goes through the commit that replaced it.
    const walked = await build(repo.root, { evalShare: 0.9 });
    expect(walked.manifest.counts.missingObjects).toBe(1);
    expect(walked.manifest.counts.train + walked.manifest.counts.eval).toBeGreaterThan(0);

    // A cutoff after it: nothing read needs the blob, so nothing is counted.
    const after = await build(repo.root, { cutoff: "2025-01-01" });
    expect(after.manifest.counts.missingObjects).toBe(0);
    expect(after.manifest.warnings.join("\n")).not.toMatch(/git object/);
  });
});

describe("a blobless partial clone", () => {
  const saved = process.env[FETCH_MISSING_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[FETCH_MISSING_ENV];
    else process.env[FETCH_MISSING_ENV] = saved;
  });

  function partialClone(): { origin: TestRepo; clone: string } {
    const { repo: origin } = historyRepo();
    origin.git("config", "uploadpack.allowFilter", "true");
    const clone = join(tempDir(), "clone");
    execFileSync("git", ["clone", "-q", "--filter=blob:none", `file://${origin.root}`, clone]);
    return { origin, clone };
  }

  it("skips the blobs its unreachable remote cannot send, with a count and a hint, and never hangs", async () => {
    const { origin, clone } = partialClone();
    renameSync(origin.root, `${origin.root}-moved`);
    for (const cutoff of ["2024-01-15", undefined]) {
      const { manifest } = await build(clone, cutoff ? { cutoff } : {});
      expect(manifest.counts.missingObjects).toBeGreaterThan(0);
      const warning = manifest.warnings.find((w) => w.includes("partial clone")) ?? "";
      expect(warning).toMatch(/promisor remote 'origin'/);
      expect(warning).toMatch(/--fetch-missing/);
      expect(warning).toMatch(/fetch --refetch origin/);
    }
  });

  it("fetches nothing unless asked, and fetches what it lacks with --fetch-missing", async () => {
    const { clone } = partialClone();
    const objects = objectCount(clone);
    const skipped = await build(clone, { cutoff: "2024-01-15" });
    expect(skipped.manifest.counts.missingObjects).toBeGreaterThan(0);
    expect(objectCount(clone)).toBe(objects);

    process.env[FETCH_MISSING_ENV] = "1";
    const fetched = await build(clone, { cutoff: "2024-01-15" });
    expect(fetched.manifest.counts.missingObjects).toBe(0);
    expect(objectCount(clone)).toBeGreaterThan(objects);
    expect(readFileSync(join(fetched.out, "train.jsonl"), "utf8")).toContain("lib.py");
  });

  it("runs git with no prompt and, unless asked, no lazy fetch", () => {
    expect(gitEnvironment({})).toMatchObject({
      GIT_TERMINAL_PROMPT: "0",
      GIT_NO_LAZY_FETCH: "1",
      GIT_ALLOW_PROTOCOL: "none",
    });
    const allowed = gitEnvironment({ [FETCH_MISSING_ENV]: "1" });
    expect(allowed.GIT_NO_LAZY_FETCH).toBeUndefined();
    expect(allowed.GIT_ALLOW_PROTOCOL).toBeUndefined();
  });
});

describe("a bare repository", () => {
  it("is refused with what it is and how to get a working tree, from the repo or a folder in it", async () => {
    const { repo } = historyRepo();
    const bare = join(tempDir(), "bare.git");
    execFileSync("git", ["clone", "-q", "--bare", repo.root, bare]);
    for (const path of [bare, join(bare, "refs")]) {
      const error = await build(path).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "NOT_A_GIT_REPO" });
      expect((error as Error).message).toBe(`${bare} is a bare repository (no working tree).`);
      expect((error as { hint: string }).hint).toBe(
        `Clone it and pass the clone: \`git clone ${bare} <dir>\``,
      );
    }
  });
});
