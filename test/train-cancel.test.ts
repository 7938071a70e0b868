/**
 * Ctrl-C is a cancel, at every stage of `repolora train`: a real SIGINT to the CLI's process group (what a
 * terminal sends), mid-dataset, mid-training-step and mid-report-card, ends with exit 130 and "cancelled", never
 * "Training failed (TRAINER_FAILED): the trainer exited with 128", and leaves no adapter.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const hasPython = existsSync(join(ROOT, ".venv", "bin", "python"));

/** Old code to train on, and code added after the cutoff one file a commit (bulk commits are not scored). */
function repoWithHistory(): TestRepo {
  const repo = new TestRepo();
  const oldModule = (i: number) =>
    Array.from(
      { length: 20 },
      (_, j) => `def f_${i}_${j}(x, y):\n    total = x * ${j} + y\n    return total - ${i}\n`,
    );
  const newModule = (i: number) =>
    Array.from(
      { length: 20 },
      (_, j) =>
        `class Shape${i}_${j}:\n    def __init__(self, width, height):\n        self.width = width + ${j}\n        self.height = height * ${i}\n\n    def area(self):\n        return self.width * self.height - ${i * j}\n`,
    );
  for (let i = 0; i < 60; i += 1) repo.write(`pkg/old_${i}.py`, oldModule(i).join("\n"));
  repo.commit("old code", "2024-01-01T00:00:00Z");
  for (let i = 0; i < 30; i += 1) {
    repo.write(`pkg/new_${i}.py`, newModule(i).join("\n"));
    repo.commit(`new ${i}`, `2025-06-${String((i % 28) + 1).padStart(2, "0")}T00:00:00Z`);
  }
  return repo;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `repolora train` in its own process group; sends SIGINT to the group once stderr matches `when`. */
function trainAndInterrupt(
  args: string[],
  when: RegExp,
  home: string,
): Promise<Run & { interrupted: boolean }> {
  const child = spawn("node", [join(ROOT, "bin/repolora.mjs"), "train", ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, REPOLORA_HOME: home },
  });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!interrupted && when.test(stderr)) {
      interrupted = true;
      process.kill(-(child.pid as number), "SIGINT");
    }
  });
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr, interrupted })),
  );
}

describe.skipIf(!hasPython)("Ctrl-C during repolora train", { timeout: 300_000 }, () => {
  const repo = repoWithHistory();
  const model = join(tempDir(), "tiny");
  // Wider and deeper than TINY_QWEN2: a step or a completion lasts long enough for the CLI's forwarded SIGTERM
  // to land while the trainer is still in it (with TINY_QWEN2 the trainer stopped before it arrived).
  writeRandomModel(model, { ...TINY_QWEN2, hiddenSize: 128, intermediateSize: 512, numLayers: 4 });
  const common = [repo.root, "--base", model, "--cutoff", "2025-01-01", "--max-tokens", "1024"];

  const stages = [
    { stage: "building the dataset", when: /parsing:/, extra: ["--steps", "1"] },
    { stage: "in a training step", when: /training: \d+\//, extra: ["--steps", "100000"] },
    { stage: "scoring the report card", when: /report card: \d+\//, extra: ["--steps", "1"] },
  ];
  it.each(stages)("exits 130 with 'cancelled' when interrupted $stage", async ({ when, extra }) => {
    const home = tempDir();
    const adapters = join(home, "adapters");
    const run = await trainAndInterrupt([...common, ...extra, "--adapters-dir", adapters], when, home);
    expect(run.interrupted, run.stderr).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/cancelled/i);
    expect(run.stderr).not.toMatch(/TRAINER_FAILED|failed|exited with/);
    expect(run.stdout).not.toMatch(/Adapter written/);
    const written = existsSync(adapters)
      ? readdirSync(adapters, { recursive: true }).filter((p) =>
          String(p).endsWith("adapter_model.safetensors"),
        )
      : [];
    expect(written).toEqual([]);
  });
});
