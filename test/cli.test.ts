/** The `repolora` CLI as a user runs it: help, errors with hints and exit codes, Ctrl-C, exact token counts. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetManifest, DatasetRecord } from "../runtime/src/contracts/dataset.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE, OLD_DATE } from "./helpers/fixture-repo.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const BIN = join(import.meta.dirname, "..", "bin", "repolora.mjs");
const cli = (...args: string[]) => spawnSync("node", [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
/** `repolora dataset` on the fixture repository with its evaluation share, no parse cache, and `extra` flags. */
const fixtureDataset = (root: string, out: string, ...extra: string[]) =>
  cli("dataset", root, "--out", out, "--eval-share", String(FIXTURE_EVAL_SHARE), "--no-cache", ...extra);

describe("repolora CLI", () => {
  it("prints help listing its commands", () => {
    const result = cli("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: repolora <command>/);
    expect(result.stdout).toMatch(/dataset/);
    expect(cli("dataset", "--help").stdout).toMatch(/--cutoff <date\|commit>/);
  });

  it("rejects an unknown command and unknown options", () => {
    expect(cli("frobnicate").status).toBe(2);
    const bad = cli("dataset", ".", "--out", join(tempDir(), "o"), "--nope");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--nope/);
    expect(bad.stderr).toMatch(/hint: Run with --help/);
  });

  it("explains a folder that is not a repository, with a hint and exit code 1", () => {
    const result = cli("dataset", tempDir(), "--out", join(tempDir(), "o"));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not inside a git repository/);
    expect(result.stderr).toMatch(/hint: Run `git init`/);
  });

  it("prints statistics after a build", () => {
    const { repo } = buildFixtureRepo();
    const out = join(tempDir(), "ds");
    const result = fixtureDataset(repo.root, out);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Dataset written to/);
    expect(result.stdout).toMatch(/examples {2}\d+ train/);
    expect(result.stdout).toMatch(/secrets {3}.*scrubbed/);
  });

  it("--suffix-share bounds the code after the cursor, keeps the same examples and records the share", () => {
    const { repo } = buildFixtureRepo();
    const build = (...extra: string[]) => {
      const out = join(tempDir(), "ds");
      const result = fixtureDataset(repo.root, out, ...extra);
      expect(result.status, result.stderr).toBe(0);
      const records = readFileSync(join(out, "train.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => DatasetRecord.parse(JSON.parse(line)));
      const manifest = DatasetManifest.parse(JSON.parse(readFileSync(join(out, "dataset.json"), "utf8")));
      return { records, manifest };
    };
    const wide = build("--max-tokens", "256");
    const narrow = build("--max-tokens", "256", "--suffix-share", "0.05");
    expect(wide.manifest.options.suffixShare).toBe(0.2);
    expect(narrow.manifest.options.suffixShare).toBe(0.05);
    expect(narrow.records.map((r) => r.id)).toEqual(wide.records.map((r) => r.id));
    const suffixChars = (records: DatasetRecord[]) => records.reduce((sum, r) => sum + r.suffix.length, 0);
    expect(suffixChars(narrow.records)).toBeLessThan(suffixChars(wide.records));
    // The estimate counts about 3.5 characters a token: 5% of 256 tokens is 12 tokens, some 42 characters.
    for (const record of narrow.records) expect(record.suffix.length).toBeLessThanOrEqual(12 * 8);
    expect(cli("dataset", repo.root, "--out", join(tempDir(), "x"), "--suffix-share", "0.7").stderr).toMatch(
      /--suffix-share must be between 0 and 0.5/,
    );
  });

  it("leaves no dataset and no temporary folder when interrupted with Ctrl-C", async () => {
    const repo = new TestRepo();
    for (let i = 0; i < 300; i += 1) {
      const body = Array.from(
        { length: 150 },
        (_, j) => `def f_${i}_${j}(x):\n    return x * ${j} + ${i}\n`,
      ).join("\n");
      repo.write(`pkg/m${i}.py`, body);
    }
    repo.commit("many files", OLD_DATE);
    repo.write("pkg/m0.py", "def g(x):\n    return x\n");
    repo.commit("change", "2025-01-01T00:00:00Z");
    const parent = tempDir();
    const child = spawn("node", [BIN, "dataset", repo.root, "--out", join(parent, "ds"), "--no-cache"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/parsing/.test(stderr) && !child.killed) child.kill("SIGINT");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toMatch(/Cancelling/);
    expect(code).toBe(130);
    expect(readdirSync(parent)).toEqual([]);
  }, 120_000);

  it("counts tokens exactly with --tokenizer", () => {
    const { repo } = buildFixtureRepo();
    // A word-level tokenizer.json: one token per run of word characters or per punctuation mark.
    const vocab: Record<string, number> = { "[UNK]": 0 };
    const tokenizer = {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [
        {
          id: 0,
          content: "[UNK]",
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        },
      ],
      normalizer: null,
      pre_tokenizer: { type: "Whitespace" },
      post_processor: null,
      decoder: null,
      model: { type: "WordLevel", vocab, unk_token: "[UNK]" },
    };
    const dir = tempDir();
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
    const out = join(tempDir(), "ds");
    const result = fixtureDataset(repo.root, out, "--tokenizer", join(dir, "tokenizer.json"));
    expect(result.status, result.stderr).toBe(0);
    const manifest = DatasetManifest.parse(JSON.parse(readFileSync(join(out, "dataset.json"), "utf8")));
    expect(manifest.tokenizer).toBe(join(dir, "tokenizer.json"));
    const record = DatasetRecord.parse(
      JSON.parse(readFileSync(join(out, "train.jsonl"), "utf8").split("\n")[0]!),
    );
    // Whitespace pre-tokenizer: \w+ runs and single punctuation runs are tokens.
    expect(record.prompt.tokens).toBe(record.prompt.text.match(/\w+|[^\w\s]+/g)!.length);
    expect(existsSync(join(out, "eval.jsonl"))).toBe(true);
  });
});
