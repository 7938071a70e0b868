/**
 * The extension's runtime client and supervisor against real processes: the fake server
 * (test/e2e/fake-runtime.mjs, scripted crashes and delays) and, when available, the real `repolora serve` with a
 * tiny random-weight model package (needs the trainer's .venv to make it; skipped otherwise).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CompletionCache } from "../extension/src/core/completion-cache.ts";
import { ContextRing } from "../extension/src/core/context-ring.ts";
import { Debouncer } from "../extension/src/core/debounce.ts";
import { MemoryLogger } from "../extension/src/core/log.ts";
import {
  type CompleteParams,
  CompletionPipeline,
  DEFAULT_PIPELINE_SETTINGS,
} from "../extension/src/core/pipeline.ts";
import { RequestCancelledError } from "../extension/src/core/rpc-client.ts";
import {
  type RuntimeProcess,
  type RuntimeState,
  RuntimeSupervisor,
  RuntimeUnavailableError,
  type SupervisorOptions,
} from "../extension/src/core/runtime-supervisor.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FAKE = join(ROOT, "test/e2e/fake-runtime.mjs");

const params = (prefix: string, over: Partial<CompleteParams> = {}): CompleteParams => ({
  workspace: "file:///w",
  documentUri: "file:///w/a.ts",
  path: "a.ts",
  languageId: "typescript",
  repoName: "w",
  prefix,
  suffix: "",
  context: [],
  multiline: false,
  maxTokens: 16,
  ...over,
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const supervisors: RuntimeSupervisor[] = [];
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.dispose()));
});
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fakeSupervisor(knobs: Record<string, string> = {}, options: Partial<SupervisorOptions> = {}) {
  const logFile = join(tempDir("repolora-fake-"), "log.jsonl");
  const giveUps: string[] = [];
  const states: RuntimeState["kind"][] = [];
  const log = new MemoryLogger();
  const supervisor = new RuntimeSupervisor({
    spawn: () =>
      spawn(process.execPath, [FAKE, "serve", "--model", "/pkg"], {
        env: { ...process.env, FAKE_RUNTIME_LOG: logFile, ...knobs },
        stdio: ["pipe", "pipe", "pipe"],
      }) as RuntimeProcess,
    initializeParams: () => ({ modelPackage: "/pkg" }),
    log,
    onGiveUp: (message) => giveUps.push(message),
    onStateChange: (state) => states.push(state.kind),
    backoff: { initialMs: 50, maxMs: 200 },
    ...options,
  });
  supervisors.push(supervisor);
  const received = () =>
    existsSync(logFile)
      ? readFileSync(logFile, "utf8")
          .trim()
          .split("\n")
          .map(
            (l) =>
              JSON.parse(l) as {
                pid: number;
                event: string;
                message?: { id?: number; method: string; params: unknown };
              },
          )
      : [];
  return { supervisor, giveUps, states, log, received };
}

describe("runtime supervisor with the fake server", () => {
  it("starts the server on first use, not before, and completes", async () => {
    const { supervisor, received } = fakeSupervisor({ FAKE_RUNTIME_TEXT: "42;" });
    await supervisor.setWorkspaceAdapters("file:///w", []);
    expect(received()).toEqual([]);
    expect(supervisor.current.kind).toBe("stopped");
    const result = await supervisor.complete(params("const a = "), new AbortController().signal);
    expect(result.text).toBe("42;");
    expect(supervisor.current).toMatchObject({ kind: "ready", info: { model: { id: "fake/tiny" } } });
    const methods = received().flatMap((r) => (r.message ? [r.message.method] : []));
    expect(methods).toEqual(["initialize", "setWorkspaceAdapters", "complete"]);
  });

  it("cancelling a completion sends `cancel` with its id to the server", async () => {
    const { supervisor, received } = fakeSupervisor({ FAKE_RUNTIME_DELAY_MS: "5000" });
    await supervisor.client();
    const controller = new AbortController();
    const pending = supervisor.complete(params("x = "), controller.signal);
    await until(() => received().some((r) => r.message?.method === "complete"));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(RequestCancelledError);
    await until(() => received().some((r) => r.message?.method === "cancel"));
    const completeId = received().find((r) => r.message?.method === "complete")?.message?.id;
    expect(received().find((r) => r.message?.method === "cancel")?.message?.params).toEqual({
      id: completeId,
    });
    expect((await supervisor.stats()).cancelled).toBe(1);
  });

  it("restarts a crashed server with back-off and re-applies adapters and workspace bindings", async () => {
    const { supervisor, received, states } = fakeSupervisor({ FAKE_RUNTIME_CRASH_AFTER: "1" });
    await supervisor.loadAdapter("repo@1", "/adapters/repo");
    await supervisor.setWorkspaceAdapters("file:///w", [{ key: "repo@1", weight: 1 }]);
    const first = await supervisor.complete(params("a = "), new AbortController().signal);
    expect(first.adapters).toEqual([{ key: "repo@1", weight: 1 }]);
    await until(() => states.includes("backoff"));
    await until(
      () => supervisor.current.kind === "ready" && states.filter((s) => s === "ready").length === 2,
    );
    const pids = [...new Set(received().map((r) => r.pid))];
    expect(pids).toHaveLength(2);
    const second = received().filter((r) => r.pid === pids[1] && r.message);
    expect(second.map((r) => r.message?.method)).toEqual([
      "initialize",
      "loadAdapter",
      "setWorkspaceAdapters",
    ]);
    const again = await supervisor.complete(params("b = "), new AbortController().signal);
    expect(again.adapters).toEqual([{ key: "repo@1", weight: 1 }]);
  });

  it("gives up after repeated failures, says so once with the server's last words, and restarts on request", async () => {
    const { supervisor, giveUps } = fakeSupervisor({ FAKE_RUNTIME_EXIT_AT_START: "1" }, { maxFailures: 3 });
    await expect(supervisor.client()).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await until(() => supervisor.current.kind === "failed");
    expect(giveUps).toHaveLength(1);
    expect(giveUps[0]).toMatch(/failed 3 times.*model package is broken/);
    await expect(supervisor.client()).rejects.toThrow(/failed repeatedly/);
    await supervisor.restart();
    expect(supervisor.current.kind).toBe("stopped");
  });

  it("an initialize error names the problem", async () => {
    const { supervisor } = fakeSupervisor({}, { initializeParams: () => ({ modelPackage: "/broken/pkg" }) });
    await expect(supervisor.client()).rejects.toThrow(
      /MODEL_LOAD_FAILED: \/broken\/pkg is not a model package/,
    );
  });

  it("stop() asks the server to shut down", async () => {
    const { supervisor, received, log } = fakeSupervisor();
    await supervisor.client();
    await supervisor.stop();
    expect(received().at(-1)?.message?.method).toBe("shutdown");
    expect(log.lines.find((l) => l.event === "runtime.exit")?.fields).toMatchObject({
      code: 0,
      phase: "stopping",
    });
    expect(supervisor.current.kind).toBe("stopped");
  });

  it("the completion pipeline shows the server's answer, postprocessed", async () => {
    const { supervisor } = fakeSupervisor({ FAKE_RUNTIME_TEXT: "user.name);" });
    const pipeline = new CompletionPipeline({
      model: (p, signal) => supervisor.complete(p, signal),
      cache: new CompletionCache(),
      ring: new ContextRing(),
      debouncer: new Debouncer(),
      settings: () => ({ ...DEFAULT_PIPELINE_SETTINGS, debounceMs: 0 }),
      scope: () => "s",
      log: new MemoryLogger(),
    });
    const completion = await pipeline.complete(
      {
        workspace: "w",
        documentUri: "u",
        path: "a.ts",
        languageId: "typescript",
        repoName: "r",
        prefix: "log(",
        suffix: ");\n",
      },
      new AbortController().signal,
    );
    expect(completion?.text).toBe("user.name");
  });
});

const serveAvailable = spawnSync(process.execPath, [join(ROOT, "bin/repolora.mjs"), "--help"], {
  encoding: "utf8",
}).stdout?.match(/^\s+serve\b/m);
const python = process.env.REPOLORA_RUNTIME_TEST_PYTHON ?? join(ROOT, ".venv/bin/python");
const realSkip = !serveAvailable
  ? "no `repolora serve` yet"
  : !existsSync(python)
    ? `no Python at ${python}`
    : null;

describe.skipIf(realSkip !== null)(
  `runtime supervisor with the real server${realSkip ? ` (skipped: ${realSkip})` : ""}`,
  () => {
    let work = "";
    let model = "";
    beforeAll(() => {
      work = tempDir("repolora-real-");
      const made = spawnSync("bash", [join(ROOT, "test/e2e/tiny-model.sh"), work], { encoding: "utf8" });
      if (made.status !== 0) throw new Error(`tiny-model.sh failed: ${made.stderr.slice(-2000)}`);
      model = made.stdout.trim().split("\n").at(-1)!;
    }, 180_000);

    function realSupervisor() {
      const log = new MemoryLogger();
      const supervisor = new RuntimeSupervisor({
        spawn: () =>
          spawn(process.execPath, [join(ROOT, "bin/repolora.mjs"), "serve", "--model", model], {
            stdio: ["pipe", "pipe", "pipe"],
          }) as RuntimeProcess,
        initializeParams: () => ({ modelPackage: model, maxPromptTokens: 256 }),
        log,
        onGiveUp: (message) => {
          throw new Error(message);
        },
      });
      supervisors.push(supervisor);
      return { supervisor, log };
    }

    it("initializes, completes deterministically, and switches a workspace to an adapter", async () => {
      const { supervisor } = realSupervisor();
      const p = params("def add(a, b):\n    total = ", {
        path: "math.py",
        languageId: "python",
        suffix: "\n    return total\n",
      });
      const a = await supervisor.complete(p, new AbortController().signal);
      const b = await supervisor.complete(p, new AbortController().signal);
      expect(supervisor.current).toMatchObject({
        kind: "ready",
        info: { model: { id: "repolora-tiny/qwen2" } },
      });
      expect(b.text).toBe(a.text);
      expect(a.completionTokens).toBeGreaterThan(0);
      const loaded = await supervisor.loadAdapter("tiny-1", join(work, "tiny/qwen2/adapter-1"));
      expect(loaded?.coveredTargets).toBeGreaterThan(0);
      await supervisor.setWorkspaceAdapters("file:///w", [{ key: "tiny-1", weight: 1 }]);
      const withAdapter = await supervisor.complete(p, new AbortController().signal);
      expect(withAdapter.adapters).toEqual([{ key: "tiny-1", weight: 1 }]);
    });

    it("cancels a running completion", async () => {
      const { supervisor } = realSupervisor();
      await supervisor.client();
      const controller = new AbortController();
      const pending = supervisor.complete(params("const a = ", { maxTokens: 512 }), controller.signal);
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(RequestCancelledError);
      const next = await supervisor.complete(params("const b = "), new AbortController().signal);
      expect(next.stopReason).not.toBe("cancelled");
    });
  },
);
