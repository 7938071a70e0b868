/**
 * Worker death → restart, end to end: the extension's RuntimeSupervisor runs the real `repolora serve` (a
 * tiny random model package, no Python). The first process's engine worker dies in the middle of a completion
 * (test hook REPOLORA_TEST_ENGINE_EXIT_AFTER_TOKENS); the server answers that completion with an error and
 * exits 1, and the supervisor starts a new process that serves the next completion.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MemoryLogger } from "../extension/src/core/log.ts";
import { RuntimeRequestError } from "../extension/src/core/rpc-client.ts";
import { type RuntimeProcess, RuntimeSupervisor } from "../extension/src/core/runtime-supervisor.ts";
import { prepareModelPackage } from "../runtime/src/model/package.ts";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";

const bin = join(resolve(import.meta.dirname, ".."), "bin", "repolora.mjs");
let work = "";
let packageDir = "";

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "repolora-restart-"));
  writeRandomModel(join(work, "model"), TINY_QWEN2);
  packageDir = join(work, "package");
  await prepareModelPackage({ source: join(work, "model"), outDir: packageDir, id: "repolora-tiny/restart" });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

it("after the engine worker dies mid-completion, the next completion is served by a new runtime process", async () => {
  let spawned = 0;
  const log = new MemoryLogger();
  const supervisor = new RuntimeSupervisor({
    spawn: () => {
      spawned += 1;
      // Only the first process gets an engine that dies after 2 tokens.
      const env = {
        ...process.env,
        ...(spawned === 1 ? { REPOLORA_TEST_ENGINE_EXIT_AFTER_TOKENS: "2" } : {}),
      };
      return spawn(process.execPath, [bin, "serve", "--model", packageDir, "--threads", "1"], {
        env,
        stdio: ["pipe", "pipe", "pipe"],
      }) as RuntimeProcess;
    },
    initializeParams: () => ({ modelPackage: "" }),
    log,
    onGiveUp: (message) => {
      throw new Error(message);
    },
    backoff: { initialMs: 50, maxMs: 200 },
  });
  try {
    const params = {
      workspace: "file:///w",
      documentUri: "file:///w/a.ts",
      path: "a.ts",
      languageId: "typescript",
      repoName: "w",
      prefix: "const total = ",
      suffix: "\n",
      context: [],
      multiline: true,
      maxTokens: 16,
    };
    const first = supervisor.complete(params, new AbortController().signal);
    await expect(first).rejects.toBeInstanceOf(RuntimeRequestError);
    await expect(first).rejects.toThrow(/engine-exited/);
    const exits = () => log.lines.filter((l) => l.event === "runtime.exit");
    await until(() => exits().length === 1);
    expect(exits()[0]?.fields).toMatchObject({ code: 1, phase: "live" });
    await until(() => supervisor.current.kind === "ready" && spawned === 2);
    const second = await supervisor.complete(params, new AbortController().signal);
    expect(second.completionTokens).toBeGreaterThan(0);
    const readyPids = log.lines.filter((l) => l.event === "runtime.ready").map((l) => l.fields.pid);
    expect(readyPids).toHaveLength(2);
    expect(readyPids[1]).not.toBe(readyPids[0]);
  } finally {
    await supervisor.dispose();
  }
});
