/** Every bad input meets a clear error or a counted skip, and nothing half-written is left behind. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildDataset } from "../generator/src/dataset/build.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import { DatasetManifest } from "../runtime/src/contracts/dataset.ts";
import { buildFixtureRepo, OLD_DATE } from "./helpers/fixture-repo.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const build = (repo: string, out: string, extra: Partial<Parameters<typeof buildDataset>[0]> = {}) =>
  buildDataset({ repo, out, progress: silentProgress, cacheDir: null, ...extra });

const manifestOf = (out: string) =>
  DatasetManifest.parse(JSON.parse(readFileSync(join(out, "dataset.json"), "utf8")));

const PY = "def add(a, b):\n    total = a + b\n    return total\n\n\ndef sub(a, b):\n    return a - b\n";

describe("bad input", () => {
  it("refuses a folder that is not a git repository", async () => {
    await expect(build(tempDir(), join(tempDir(), "out"))).rejects.toMatchObject({ code: "NOT_A_GIT_REPO" });
  });

  it("refuses a path that does not exist", async () => {
    await expect(build("/nonexistent/repolora", join(tempDir(), "out"))).rejects.toMatchObject({
      code: "NOT_A_GIT_REPO",
    });
  });

  it("refuses an empty repository with no commits", async () => {
    const repo = new TestRepo();
    await expect(build(repo.root, join(tempDir(), "out"))).rejects.toMatchObject({ code: "EMPTY_REPO" });
  });

  it("refuses a repository with only binary files, naming what it skipped", async () => {
    const repo = new TestRepo();
    repo
      .write("a.bin", new Uint8Array([0, 1, 2, 3, 0, 255]))
      .write("b.png", new Uint8Array([0x89, 0x50, 0, 0]));
    repo.commit("binaries", OLD_DATE);
    const error = await build(repo.root, join(tempDir(), "out")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NO_SUPPORTED_FILES" });
    expect((error as Error).message).toMatch(/binary/);
  });

  it("refuses an existing output folder unless --force, and keeps it intact", async () => {
    const { repo } = buildFixtureRepo();
    const out = join(tempDir(), "out");
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "mine");
    await expect(build(repo.root, out)).rejects.toMatchObject({ code: "OUTPUT_EXISTS" });
    expect(readFileSync(join(out, "keep.txt"), "utf8")).toBe("mine");
    await build(repo.root, out, { force: true });
    expect(existsSync(join(out, "keep.txt"))).toBe(false);
    expect(existsSync(join(out, "train.jsonl"))).toBe(true);
  });

  it("leaves nothing behind when cancelled", async () => {
    const { repo } = buildFixtureRepo();
    const parent = tempDir();
    const controller = new AbortController();
    const progress = { ...silentProgress, phase: (name: string) => name === "parsing" && controller.abort() };
    await expect(
      build(repo.root, join(parent, "out"), { progress, signal: controller.signal }),
    ).rejects.toMatchObject({
      code: "CANCELLED",
    });
    expect(readdirSync(parent)).toEqual([]);
  });

  it("skips huge, non-UTF-8, symlinked and submodule entries and counts them", async () => {
    const repo = new TestRepo();
    repo.write("ok.py", PY);
    repo.write("huge.py", `x = 1\n${"# padding line\n".repeat(4 * 1024 * 1024)}`); // ~58 MB
    repo.write("latin1.py", Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x3d, 0x20, 0x31, 0x0a])); // "café = 1" in Latin-1
    symlinkSync("/etc/passwd", join(repo.root, "outside-link.py"));
    const sub = new TestRepo();
    sub.write("lib.py", PY);
    sub.commit("sub", OLD_DATE);
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.root, "third");
    repo.commit("mixed", OLD_DATE);
    repo.write("ok.py", `${PY}\ndef mul(a, b):\n    return a * b\n`);
    repo.commit("more", "2025-01-01T00:00:00Z");
    const out = join(tempDir(), "out");
    await build(repo.root, out);
    const counts = manifestOf(out).counts;
    expect(counts.skippedFiles).toMatchObject({ too_large: 1, non_utf8: 1, symlink: 1, submodule: 1 });
    expect(counts.files).toBe(1);
    const all =
      readFileSync(join(out, "train.jsonl"), "utf8") + readFileSync(join(out, "eval.jsonl"), "utf8");
    expect(all).not.toContain("root:x:0:0");
  }, 120_000);

  it("handles paths with spaces and unicode", async () => {
    const repo = new TestRepo();
    repo.write("src/my módulo/cálculo útil.py", PY);
    repo.commit("one", OLD_DATE);
    repo.write(
      "src/my módulo/cálculo útil.py",
      `${PY}\ndef mul(a, b):\n    product = a * b\n    return product\n`,
    );
    repo.commit("two", "2025-01-01T00:00:00Z");
    const out = join(tempDir(), "out");
    await build(repo.root, out);
    const evalText = readFileSync(join(out, "eval.jsonl"), "utf8");
    expect(evalText).toContain("src/my módulo/cálculo útil.py");
  });

  it("rejects a cutoff that is neither a commit nor a date, and one that is HEAD", async () => {
    const { repo } = buildFixtureRepo();
    await expect(build(repo.root, join(tempDir(), "a"), { cutoff: "not-a-thing" })).rejects.toMatchObject({
      code: "BAD_CUTOFF",
    });
    await expect(build(repo.root, join(tempDir(), "b"), { cutoff: "HEAD" })).rejects.toMatchObject({
      code: "BAD_CUTOFF",
    });
  });
});

describe("repository shapes", () => {
  it("accepts --cutoff as a date and as a commit", async () => {
    const { repo, oldHead } = buildFixtureRepo();
    const byDate = join(tempDir(), "d");
    await build(repo.root, byDate, { cutoff: "2025-01-01" });
    expect(manifestOf(byDate).cutoff).toMatchObject({ commit: oldHead, source: "date" });
    const byCommit = join(tempDir(), "c");
    await build(repo.root, byCommit, { cutoff: oldHead.slice(0, 8) });
    expect(manifestOf(byCommit).cutoff).toMatchObject({ commit: oldHead, source: "commit" });
  });

  it("limits a monorepo build to a subfolder", async () => {
    const { repo } = buildFixtureRepo();
    const out = join(tempDir(), "out");
    await build(join(repo.root, "py"), out);
    const manifest = manifestOf(out);
    expect(manifest.repo.subdir).toBe("py");
    const paths = new Set(
      (readFileSync(join(out, "train.jsonl"), "utf8") + readFileSync(join(out, "eval.jsonl"), "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).path),
    );
    expect([...paths]).toEqual(["py/inventory.py"]);
  });

  it("uses no line of a bulk commit for evaluation, only lines added after it", async () => {
    const repo = new TestRepo();
    repo.write("app.py", PY.repeat(40));
    const cutoff = repo.commit("base", OLD_DATE);
    const bulk = Array.from({ length: 700 }, (_, i) => `def copied_${i}(x):\n    return x + ${i}\n`).join(
      "\n",
    );
    repo.write("lib/copy.py", bulk);
    repo.commit("import a copy of lib", "2025-01-01T00:00:00Z");
    const added =
      "\n\ndef written_by_hand(items):\n    kept = [i for i in items if i]\n    return len(kept)\n";
    repo.write("lib/copy.py", bulk + added);
    repo.commit("hand-written function", "2025-02-01T00:00:00Z");
    const out = join(tempDir(), "out");
    await build(repo.root, out, { cutoff });
    const evaluation = readFileSync(join(out, "eval.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(evaluation.length).toBeGreaterThan(0);
    for (const record of evaluation) expect(added).toContain(record.middle);
    expect(manifestOf(out).warnings.join("\n")).toMatch(/1 bulk commit/);
  });

  it("works on a detached HEAD", async () => {
    const { repo, head } = buildFixtureRepo();
    repo.git("checkout", "-q", "--detach", head);
    const out = join(tempDir(), "out");
    await build(repo.root, out);
    expect(manifestOf(out).repo).toMatchObject({ head, branch: null });
  });

  it("warns on a shallow clone and falls back to a file holdout", async () => {
    const { repo } = buildFixtureRepo();
    const clone = join(tempDir(), "clone");
    execFileSync("git", ["clone", "-q", "--depth", "1", `file://${repo.root}`, clone]);
    const out = join(tempDir(), "out");
    await build(clone, out);
    const manifest = manifestOf(out);
    expect(manifest.repo.shallow).toBe(true);
    expect(manifest.cutoff.source).toBe("file_holdout");
    expect(manifest.warnings.join("\n")).toMatch(/shallow/);
  });
});
