/**
 * The runtime's CLI commands as a user runs them (child processes of bin/repolora.mjs): `model prepare` and
 * `model info`, `serve` over real stdio pipes, and `complete` on a small file — which must print exactly what
 * the server answers for the same cursor.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAdapterOption, samplingOptions } from "../generator/src/cli/commands/complete.ts";
import { PROTOCOL_VERSION } from "../runtime/src/protocol/index.ts";
import { TINY_QWEN2, writeRandomAdapter, writeRandomModel } from "../runtime/src/testing/random-model.ts";

const repoRoot = resolve(import.meta.dirname, "..");
const bin = join(repoRoot, "bin", "repolora.mjs");
const MODEL_ID = "repolora-tiny/cli";

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const FILE =
  "export function add(a: number, b: number) {\n  return a + b;\n}\n\nexport function sub(a: number, b: number) {\n  \n}\n";

describe("runtime CLI commands", () => {
  let work: string;
  let packageDir: string;
  let adapterDir: string;
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "repolora-cli-"));
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    adapterDir = join(work, "adapter");
    writeRandomAdapter(adapterDir, TINY_QWEN2, { rank: 4, alpha: 8, baseModelId: MODEL_ID, seed: 21 });
    packageDir = join(work, "package");
    project = join(work, "demo-repo");
    mkdirSync(join(project, ".git"), { recursive: true });
    mkdirSync(join(project, "src"));
    writeFileSync(join(project, "src", "math.ts"), FILE);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("model prepare writes an int4 package from a folder; model info shows it", () => {
    const prepared = cli(["model", "prepare", join(work, "model"), "--out", packageDir, "--id", MODEL_ID]);
    expect(prepared.stderr).toContain("as int4");
    expect(prepared.code).toBe(0);
    expect(prepared.stdout).toMatch(/precision\s+int4 \(block 32, accuracy_level 4\)/);
    const again = cli(["model", "prepare", join(work, "model"), "--out", packageDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists[\s\S]*--overwrite/);
    const info = cli(["model", "info", packageDir]);
    expect(JSON.parse(info.stdout)).toMatchObject({
      manifest: { precision: "int4", baseModel: { id: MODEL_ID } },
      loraTargets: 14,
    });
  });

  it("model prepare resolves a hub id in the local cache only, and says what to run when it is missing", () => {
    const cache = join(work, "hub");
    const missing = cli(["model", "prepare", "Qwen/Qwen2.5-Coder-0.5B", "--out", join(work, "p2")], {
      HF_HUB_CACHE: cache,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("model-not-in-hub-cache");
    expect(missing.stderr).toContain(
      'hf download Qwen/Qwen2.5-Coder-0.5B --include "*.json" "*.safetensors"',
    );
    // The hub cache layout: refs/main → snapshots/<hash>/
    const hash = "0123456789abcdef0123456789abcdef01234567";
    const repo = join(cache, "models--tiny-org--tiny-model");
    writeRandomModel(join(repo, "snapshots", hash), TINY_QWEN2);
    mkdirSync(join(repo, "refs"));
    writeFileSync(join(repo, "refs", "main"), hash);
    const found = cli(
      ["model", "prepare", "tiny-org/tiny-model", "--out", join(work, "p3"), "--precision", "fp32"],
      { HF_HUB_CACHE: cache },
    );
    expect(found.code).toBe(0);
    expect(found.stdout).toContain("tiny-org/tiny-model@0123456789");
    expect(JSON.parse(cli(["model", "info", join(work, "p3")]).stdout).manifest).toMatchObject({
      precision: "fp32",
      baseModel: { id: "tiny-org/tiny-model", revision: hash },
    });
  });

  describe("serve and complete agree", () => {
    let server: ChildProcessWithoutNullStreams;
    const stdoutLines: string[] = [];
    let stderr = "";
    let exit: Promise<number | null>;

    beforeAll(() => {
      server = spawn(process.execPath, [
        bin,
        "serve",
        "--model",
        packageDir,
        "--threads",
        "1",
        "--log-level",
        "debug",
      ]);
      let buffered = "";
      server.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        stdoutLines.push(...lines);
      });
      server.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      exit = new Promise((done) => server.on("exit", done));
    });

    afterAll(() => {
      server.kill();
    });

    async function call(id: number, method: string, params: unknown): Promise<Record<string, unknown>> {
      server.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
      for (;;) {
        const line = stdoutLines.find((l) => (JSON.parse(l) as { id: number }).id === id);
        if (line) return JSON.parse(line) as Record<string, unknown>;
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    it("prints the server's completion for the same cursor, and the server exits on shutdown", async () => {
      const lines = FILE.split("\n");
      const line = 6; // the empty body of sub(), after its two spaces
      const col = 3;
      const cursor = lines.slice(0, line - 1).join("\n").length + 1 + (col - 1);
      expect(
        (await call(1, "initialize", { protocolVersion: PROTOCOL_VERSION, modelPackage: "" })).result,
      ).toMatchObject({ model: { id: MODEL_ID } });
      expect((await call(2, "loadAdapter", { key: "a", dir: adapterDir })).result).toMatchObject({
        coveredTargets: 14,
      });
      await call(3, "setWorkspaceAdapters", { workspace: "w", adapters: [{ key: "a", weight: 0.5 }] });
      const request = {
        workspace: "w",
        documentUri: "file:///demo-repo/src/math.ts",
        path: "src/math.ts",
        languageId: "typescript",
        repoName: "demo-repo",
        prefix: FILE.slice(0, cursor),
        suffix: FILE.slice(cursor),
        context: [],
        multiline: true,
        maxTokens: 20,
      };
      const served = (await call(4, "complete", request)).result as {
        text: string;
        completionTokens: number;
      };
      expect(served.completionTokens).toBeGreaterThan(0);

      const args = [
        "complete",
        join(project, "src", "math.ts"),
        "--line",
        String(line),
        "--col",
        String(col),
        "--model",
        packageDir,
      ];
      const printed = cli([
        ...args,
        "--adapter",
        `${adapterDir}:0.5`,
        "--multiline",
        "--max-tokens",
        "20",
        "--threads",
        "1",
      ]);
      expect(printed.stderr).toBe("");
      expect(printed.code).toBe(0);
      expect(printed.stdout).toBe(`${served.text}\n`);
      const json = JSON.parse(
        cli([...args, "--adapter", `${adapterDir}:0.5`, "--multiline", "--max-tokens", "20", "--json"])
          .stdout,
      );
      expect(json).toMatchObject({ text: served.text, adapters: [{ key: "adapter-1", weight: 0.5 }] });

      // Sampling: the CLI's flags reach the same sampler as the protocol's fields (same seed, same text).
      const sampling = { temperature: 1.5, topP: 0.9, seed: 7 };
      const sampled = (await call(45, "complete", { ...request, ...sampling })).result as { text: string };
      expect(sampled.text).not.toBe(served.text); // so a CLI that dropped the flags (greedy) would fail below
      const sampleArgs = [...args, "--adapter", `${adapterDir}:0.5`, "--multiline", "--max-tokens", "20"];
      const flags = ["--temperature", "1.5", "--top-p", "0.9", "--seed", "7"];
      expect(cli([...sampleArgs, ...flags]).stdout).toBe(`${sampled.text}\n`);

      expect((await call(5, "shutdown", {})).result).toBeNull();
      expect(await exit).toBe(0); // stdin still open: shutdown alone ends the process
      for (const l of stdoutLines) expect(JSON.parse(l)).toMatchObject({ jsonrpc: "2.0" });
      expect(stderr).toContain("repolora-runtime: initialized repolora-tiny/cli (int4)");
    });
  });

  it("complete explains bad input", () => {
    const file = join(project, "src", "math.ts");
    const past = cli(["complete", file, "--line", "2", "--col", "40", "--model", packageDir]);
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(
      /column 40 is past the end of line 2 \(15 characters; the last column is 16\)/,
    );
    // Without --model it takes the embedded default's package: here none is prepared and fetching is off.
    const noModel = cli(["complete", file, "--line", "1", "--col", "1"], {
      REPOLORA_MODELS: join(work, "no-models"),
      REPOLORA_NO_DOWNLOAD: "1",
    });
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/default base model is not in .*no-models.*REPOLORA_NO_DOWNLOAD/);
    const badPackage = cli(["complete", file, "--line", "1", "--col", "1", "--model", work]);
    expect(badPackage.stderr).toMatch(/MODEL_LOAD_FAILED: .*not a model package/);
    expect(cli(["complete", "--help"]).stdout).toContain("Usage: repolora complete <file>");
    expect(parseAdapterOption("C:/a:b/adapter:0.25")).toEqual({ dir: "C:/a:b/adapter", weight: 0.25 });
    expect(parseAdapterOption("./adapter")).toEqual({ dir: "./adapter", weight: 1 });
    expect(samplingOptions(undefined, undefined, undefined)).toEqual({});
    expect(samplingOptions("0.8", undefined, undefined)).toEqual({ temperature: 0.8, topP: 1, seed: 0 });
    expect(samplingOptions("0.8", "0.95", "3")).toEqual({ temperature: 0.8, topP: 0.95, seed: 3 });
    expect(() => samplingOptions(undefined, "0.9", undefined)).toThrow(/only apply when sampling/);
    expect(() => samplingOptions("1", "0", undefined)).toThrow(/--top-p must be in \(0, 1\]/);
    expect(() => samplingOptions("1", "1.5", undefined)).toThrow(/--top-p must be in/);
    expect(() => samplingOptions("-1", undefined, undefined)).toThrow(/--temperature must be a number/);
    expect(() => samplingOptions("1", undefined, "1.5")).toThrow(/--seed must be an integer/);
  });
});
