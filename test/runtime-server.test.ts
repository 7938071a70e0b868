/**
 * The runtime server's protocol, end to end in process: JSON lines in and out through streams, a real engine
 * worker, and a tiny random Qwen2-shaped int4 model with readable (ASCII) output written by
 * runtime/src/testing/random-model.ts (no Python needed).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareModelPackage } from "../runtime/src/model/package.ts";
import { type Methods, PROTOCOL_VERSION } from "../runtime/src/protocol/index.ts";
import { withSafetensors } from "../runtime/src/safetensors/read.ts";
import { silentLogger } from "../runtime/src/server/log.ts";
import { type RunningServer, serve } from "../runtime/src/server/server.ts";
import { SHORT_PROMPT_TOKENS } from "../runtime/src/server/service.ts";
import { TINY_QWEN2, writeRandomAdapter, writeRandomModel } from "../runtime/src/testing/random-model.ts";

const MODEL_ID = "repolora-tiny/qwen2-random";

interface Rpc {
  server: RunningServer;
  input: PassThrough;
  lines: string[];
  request<M extends keyof Methods>(method: M, params: unknown): Promise<Response<M>>;
  /** Sends a raw line; resolves with the error answer (id null) it draws. */
  send(raw: string): Promise<Response<keyof Methods>>;
  notify(method: string, params: unknown): void;
  /** The id the next request will get. */
  nextId(): number;
}

type Response<M extends keyof Methods> =
  | { id: number; result: Methods[M]["result"]; error?: undefined }
  | {
      id: number | null;
      result?: undefined;
      error: { code: number; message: string; data: { code: string } };
    };

function startServer(options: { promptCaches?: number; typingAnchor?: boolean } = {}): Rpc {
  const input = new PassThrough();
  const output = new PassThrough();
  const server = serve({ input, output, log: silentLogger, ...options });
  const lines: string[] = [];
  const waiting = new Map<number | null, (message: Response<keyof Methods>) => void>();
  let buffered = "";
  output.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    for (let at = buffered.indexOf("\n"); at >= 0; at = buffered.indexOf("\n")) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      lines.push(line);
      const message = JSON.parse(line) as Response<keyof Methods>;
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    }
  });
  let id = 0;
  return {
    server,
    input,
    lines,
    nextId: () => id + 1,
    request(method, params) {
      const current = ++id;
      const response = new Promise<Response<typeof method>>((resolve) => {
        waiting.set(current, resolve as (message: Response<keyof Methods>) => void);
      });
      input.write(`${JSON.stringify({ jsonrpc: "2.0", id: current, method, params })}\n`);
      return response;
    },
    send(raw) {
      const response = new Promise<Response<keyof Methods>>((resolve) => waiting.set(null, resolve));
      input.write(`${raw}\n`);
      return response;
    },
    notify(method, params) {
      input.write(`${JSON.stringify({ jsonrpc: "2.0", method, params })}\n`);
    },
  } as Rpc;
}

function ok<M extends keyof Methods>(response: Response<M>): Methods[M]["result"] {
  if (response.error) throw new Error(`expected a result, got ${JSON.stringify(response.error)}`);
  return response.result;
}

const document = {
  documentUri: "file:///repo/src/math.ts",
  path: "src/math.ts",
  languageId: "typescript",
  repoName: "repo",
  context: [{ path: "src/util.ts", text: "export const twice = (x: number) => 2 * x;" }],
};
const PREFIX = "import { twice } from './util';\n\nexport function add(a: number, b: number) {\n  return ";
const SUFFIX = "\n}\n";

describe("runtime server over JSON-RPC (tiny random model, int4)", () => {
  let work: string;
  let packageDir: string;
  const adapters: Record<string, string> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "repolora-server-"));
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    packageDir = join(work, "package");
    await prepareModelPackage({ source: join(work, "model"), outDir: packageDir, id: MODEL_ID });
    adapters.a1 = join(work, "adapter-1");
    adapters.a2 = join(work, "adapter-2");
    adapters.otherBase = join(work, "adapter-other-base");
    adapters.wrongShape = join(work, "adapter-wrong-shape");
    writeRandomAdapter(adapters.a1, TINY_QWEN2, { rank: 4, alpha: 8, baseModelId: MODEL_ID, seed: 11 });
    writeRandomAdapter(adapters.a2, TINY_QWEN2, {
      rank: 8,
      alpha: 8,
      baseModelId: MODEL_ID,
      seed: 12,
      targets: ["q_proj", "v_proj", "down_proj"],
    });
    writeRandomAdapter(adapters.otherBase, TINY_QWEN2, {
      rank: 4,
      alpha: 8,
      baseModelId: "other/model",
      seed: 13,
    });
    writeRandomAdapter(
      adapters.wrongShape,
      { ...TINY_QWEN2, hiddenSize: 32 },
      { rank: 4, alpha: 8, baseModelId: MODEL_ID, seed: 14 },
    );
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A server of its own, initialized with the tiny package on one thread (and `params`). */
  async function initializedServer(
    options: Parameters<typeof startServer>[0] = {},
    params: Record<string, unknown> = {},
  ): Promise<Rpc> {
    const rpc = startServer(options);
    ok(
      await rpc.request("initialize", {
        protocolVersion: PROTOCOL_VERSION,
        modelPackage: packageDir,
        threads: 1,
        ...params,
      }),
    );
    return rpc;
  }

  describe("one server", () => {
    let rpc: Rpc;

    beforeAll(() => {
      // Prefix reuse is checked against cold runs of the same prompt; the typing anchor, which changes a typed
      // keystroke's prompt, has its own tests (test/runtime-prompt-order.test.ts, server/typing-anchor.test.ts).
      rpc = startServer({ typingAnchor: false });
    });

    afterAll(async () => {
      rpc.input.end();
      await rpc.server.closed;
    });

    it("refuses methods before initialize, a wrong protocol version and a missing package", async () => {
      expect((await rpc.request("stats", {})).error?.data.code).toBe("NOT_INITIALIZED");
      const mismatch = await rpc.request("initialize", { protocolVersion: 999, modelPackage: packageDir });
      expect(mismatch.error).toMatchObject({ code: -32000, data: { code: "PROTOCOL_MISMATCH" } });
      const missing = await rpc.request("initialize", {
        protocolVersion: PROTOCOL_VERSION,
        modelPackage: join(work, "nope"),
      });
      expect(missing.error?.data.code).toBe("MODEL_LOAD_FAILED");
      expect(missing.error?.message).toMatch(/repolora model prepare/);
    });

    it("initializes with the package's model", async () => {
      const result = ok(
        await rpc.request("initialize", {
          protocolVersion: PROTOCOL_VERSION,
          modelPackage: packageDir,
          threads: 1,
        }),
      );
      expect(result).toEqual({
        protocolVersion: PROTOCOL_VERSION,
        serverVersion: expect.any(String),
        model: { id: MODEL_ID, fimTemplate: "qwen2.5-coder", vocabSize: TINY_QWEN2.vocabSize },
        // The shipped default adapter belongs to the embedded default's weights, not this tiny model's.
        defaultAdapter: { dir: expect.any(String), active: false, problem: expect.stringMatching(/sha256/) },
      });
    });

    it("answers malformed messages with JSON-RPC errors", async () => {
      expect((await rpc.send("{not json")).error).toMatchObject({
        code: -32700,
        data: { code: "BAD_REQUEST" },
      });
      expect((await rpc.send('{"jsonrpc":"1.0","method":"stats"}')).error?.code).toBe(-32600);
      expect((await rpc.request("nope" as "stats", {})).error).toMatchObject({
        code: -32601,
        data: { code: "BAD_REQUEST" },
      });
      const badParams = await rpc.request("complete", { ...document, workspace: "w", prefix: 1 });
      expect(badParams.error).toMatchObject({ code: -32602, data: { code: "BAD_REQUEST" } });
      expect(badParams.error?.message).toMatch(/params\.prefix/);
    });

    it("loads adapters and refuses missing or mismatched ones, saying which", async () => {
      const sessions = async () => (await rpc.server.service.engineInfo()).sessionsCreated;
      const opened = await sessions();
      expect(ok(await rpc.request("loadAdapter", { key: "a1", dir: adapters.a1 }))).toEqual({
        key: "a1",
        // its tensors: 2 layers × rank 4 × 4 bytes × Σ(in + out) over q, k, v, o, gate, up, down
        // (128+96+96+128+192+192+192); plus, per layer, the fused groups' inputs the engine built from them:
        // q/k/v A [64, 12] and block-diagonal B [12, 128], gate/up A [64, 8] and B [8, 256]
        bytes: 2 * 4 * 4 * 1024 + 2 * 4 * (64 * 12 + 12 * 128 + 64 * 8 + 8 * 256),
        coveredTargets: 14,
      });
      // a1 changes both layers: the session without LoRA branches was replaced by one with them, once
      expect(await sessions()).toBe(opened + 1);
      expect(ok(await rpc.request("loadAdapter", { key: "a2", dir: adapters.a2 })).coveredTargets).toBe(6);
      expect(await sessions()).toBe(opened + 1);
      const other = await rpc.request("loadAdapter", { key: "x", dir: adapters.otherBase });
      expect(other.error?.data.code).toBe("ADAPTER_MISMATCH");
      expect(other.error?.message).toMatch(/other\/model.*repolora-tiny\/qwen2-random/);
      const shape = await rpc.request("loadAdapter", { key: "y", dir: adapters.wrongShape });
      expect(shape.error?.data.code).toBe("ADAPTER_MISMATCH");
      expect(shape.error?.message).toMatch(/adapter-shape-mismatch/);
      const missing = await rpc.request("loadAdapter", { key: "z", dir: join(work, "no-adapter") });
      expect(missing.error?.data.code).toBe("ADAPTER_NOT_FOUND");
      const unbound = await rpc.request("setWorkspaceAdapters", {
        workspace: "w",
        adapters: [{ key: "y", weight: 1 }],
      });
      expect(unbound.error?.data.code).toBe("ADAPTER_NOT_FOUND");
      expect(ok(await rpc.request("stats", {})).adapters.map((a) => a.key)).toEqual(["a1", "a2"]);
    });

    it("refuses an adapter with a NaN weight, naming the tensor, and keeps serving the others", async () => {
      // adapter-1 with one element of its first tensor overwritten by a NaN of the stored dtype.
      const dir = join(work, "adapter-nan");
      cpSync(adapters.a1!, dir, { recursive: true });
      const weights = join(dir, "adapter_model.safetensors");
      const bytes = readFileSync(weights);
      const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
      const { name, begin, dtype } = withSafetensors(weights, (file) => file.info(file.names().sort()[0]!));
      if (dtype === "BF16") bytes.writeUInt16LE(0x7fc0, dataStart + begin + 2);
      else bytes.writeUInt32LE(0x7fc00000, dataStart + begin + 4);
      writeFileSync(weights, bytes);
      const refused = await rpc.request("loadAdapter", { key: "nan", dir });
      expect(refused.error?.data.code).toBe("ADAPTER_MISMATCH");
      expect(refused.error?.message).toContain(
        `adapter-not-finite: ${weights}: tensor ${name} holds NaN at element 1`,
      );
      expect(ok(await rpc.request("stats", {})).adapters.map((a) => a.key)).toEqual(["a1", "a2"]);
    });

    it("switches adapters per workspace in one session: each workspace gets its adapter's completion", async () => {
      const sessionsBefore = (await rpc.server.service.engineInfo()).sessionsCreated;
      ok(
        await rpc.request("setWorkspaceAdapters", {
          workspace: "ws-1",
          adapters: [{ key: "a1", weight: 1 }],
        }),
      );
      ok(
        await rpc.request("setWorkspaceAdapters", {
          workspace: "ws-2",
          adapters: [{ key: "a2", weight: 1 }],
        }),
      );
      const complete = async (workspace: string) =>
        ok(
          await rpc.request("complete", {
            ...document,
            workspace,
            prefix: PREFIX,
            suffix: SUFFIX,
            multiline: true,
            maxTokens: 24,
          }),
        );
      const runs = [];
      for (const workspace of ["ws-1", "ws-2", "ws-1", "ws-2", "base"]) runs.push(await complete(workspace));
      const [w1, w2, w1again, w2again, base] = runs;
      expect(w1!.adapters).toEqual([{ key: "a1", weight: 1 }]);
      expect(base!.adapters).toEqual([]);
      expect(w1again!.text).toBe(w1!.text);
      expect(w2again!.text).toBe(w2!.text);
      expect(new Set([w1!.text, w2!.text, base!.text]).size).toBe(3);
      // Each matches a cold run of a server that only ever had that adapter.
      const cold = await initializedServer({ promptCaches: 0 });
      ok(await cold.request("loadAdapter", { key: "only", dir: adapters.a2 }));
      ok(
        await cold.request("setWorkspaceAdapters", {
          workspace: "c",
          adapters: [{ key: "only", weight: 1 }],
        }),
      );
      const coldResult = ok(
        await cold.request("complete", {
          ...document,
          workspace: "c",
          prefix: PREFIX,
          suffix: SUFFIX,
          multiline: true,
          maxTokens: 24,
        }),
      );
      expect(coldResult.text).toBe(w2!.text);
      expect(coldResult.reusedPromptTokens).toBe(0);
      ok(await cold.request("shutdown", {}));
      await cold.server.closed;
      // Switching never created another session.
      expect((await rpc.server.service.engineInfo()).sessionsCreated).toBe(sessionsBefore);
    });

    it("completes with the fields the protocol promises, and stops single-line completions at the line end", async () => {
      const result = ok(
        await rpc.request("complete", {
          ...document,
          workspace: "ws-1",
          prefix: PREFIX,
          suffix: SUFFIX,
          multiline: false,
          maxTokens: 40,
        }),
      );
      expect(result.text).not.toContain("\n");
      expect(["end-of-line", "max-tokens", "stop-token"]).toContain(result.stopReason);
      expect(result.promptTokens).toBeGreaterThan(50);
      expect(result.completionTokens).toBeGreaterThan(0);
      expect(result.completionTokens).toBeLessThanOrEqual(40);
      for (const key of ["queueMs", "prefillMs", "decodeMs", "totalMs"] as const) {
        expect(result.timings[key]).toBeGreaterThanOrEqual(0);
      }
      expect(result.timings.totalMs).toBeGreaterThanOrEqual(
        result.timings.prefillMs + result.timings.decodeMs,
      );
    });

    it("samples with temperature/top-p reproducibly for a seed; temperature 0 is greedy", async () => {
      const ask = async (extra: Record<string, number>) =>
        ok(
          await rpc.request("complete", {
            ...document,
            workspace: "ws-sampling",
            prefix: PREFIX,
            suffix: SUFFIX,
            multiline: true,
            maxTokens: 12,
            ...extra,
          }),
        );
      const greedy = await ask({});
      expect((await ask({ temperature: 0, seed: 5 })).text).toBe(greedy.text);
      const sampled = await ask({ temperature: 1.5, topP: 1, seed: 11 });
      expect((await ask({ temperature: 1.5, topP: 1, seed: 11 })).text).toBe(sampled.text);
      // Several seeds at a high temperature cannot all reproduce the greedy text on a random model.
      const texts = new Set<string>();
      for (const seed of [1, 2, 3, 4]) texts.add((await ask({ temperature: 2, topP: 1, seed })).text);
      texts.add(greedy.text);
      expect(texts.size).toBeGreaterThan(1);
    });

    it("reuses the KV cache when typing forward: same output as a cold run, reused tokens reported", async () => {
      ok(
        await rpc.request("setWorkspaceAdapters", {
          workspace: "typing",
          adapters: [
            { key: "a1", weight: 0.5 },
            { key: "a2", weight: 1 },
          ],
        }),
      );
      ok(
        await rpc.request("setWorkspaceAdapters", {
          workspace: "cold",
          adapters: [
            { key: "a1", weight: 0.5 },
            { key: "a2", weight: 1 },
          ],
        }),
      );
      const at = (prefix: string, workspace: string) =>
        rpc.request("complete", {
          ...document,
          workspace,
          documentUri: `file:///${workspace}`,
          prefix,
          suffix: SUFFIX,
          multiline: true,
          maxTokens: 16,
        });
      const first = ok(await at(PREFIX, "typing"));
      expect(first.reusedPromptTokens).toBe(0);
      // Another workspace in between: the per-workspace cache survives it.
      ok(
        await rpc.request("complete", {
          ...document,
          workspace: "ws-2",
          prefix: "x",
          suffix: "",
          multiline: false,
          maxTokens: 4,
        }),
      );
      const typed = ok(await at(`${PREFIX}a`, "typing"));
      const coldTyped = ok(await at(`${PREFIX}a`, "cold"));
      expect(coldTyped.reusedPromptTokens).toBe(0);
      expect(typed.text).toBe(coldTyped.text);
      expect(typed.completionTokens).toBe(coldTyped.completionTokens);
      expect(typed.promptTokens).toBe(coldTyped.promptTokens);
      // Byte tokens: everything up to the end of the old prefix is shared; fed anew are the typed "a",
      // <|fim_suffix|>, the suffix and <|fim_middle|>.
      expect(typed.reusedPromptTokens).toBe(typed.promptTokens - (1 + 1 + SUFFIX.length + 1));
      expect(typed.timings.prefillMs).toBeGreaterThan(0);
      // Other adapters for the workspace: the cache no longer applies.
      ok(
        await rpc.request("setWorkspaceAdapters", {
          workspace: "typing",
          adapters: [{ key: "a1", weight: 1 }],
        }),
      );
      expect(ok(await at(`${PREFIX}ab`, "typing")).reusedPromptTokens).toBe(0);
    });

    it("cancels by id: a running request (stopReason cancelled), a queued one and an unadmitted one (CANCELLED)", async () => {
      // The base model's output here is one long line: 600 tokens run well past the cancel.
      const long = {
        ...document,
        workspace: "base",
        prefix: PREFIX,
        suffix: SUFFIX,
        multiline: true,
        maxTokens: 600,
      };
      const before = ok(await rpc.request("stats", {}));
      const admitted = async (n: number) => {
        while (ok(await rpc.request("stats", {})).requests < before.requests + n)
          await new Promise((r) => setTimeout(r, 1));
      };
      const runningId = rpc.nextId();
      const running = rpc.request("complete", { ...long, documentUri: "file:///one" });
      await admitted(1); // queued with nothing ahead of it: running
      const queuedId = rpc.nextId();
      const queued = rpc.request("complete", { ...long, documentUri: "file:///two" });
      await admitted(2);
      rpc.notify("cancel", { id: queuedId });
      rpc.notify("cancel", { id: runningId });
      expect((await queued).error).toMatchObject({ code: -32000, data: { code: "CANCELLED" } });
      const result = ok(await running);
      expect(result.stopReason).toBe("cancelled");
      expect(result.completionTokens).toBeLessThan(600);
      // A cancel that arrives before its request was admitted.
      const earlyId = rpc.nextId();
      const early = rpc.request("complete", { ...long, documentUri: "file:///three" });
      rpc.notify("cancel", { id: earlyId });
      const earlyResponse = await early;
      if (earlyResponse.error) expect(earlyResponse.error.data.code).toBe("CANCELLED");
      else expect(earlyResponse.result.stopReason).toBe("cancelled");
      expect(ok(await rpc.request("stats", {})).cancelled).toBe(before.cancelled + 3);
    });

    it("lets a newer request for the same document cancel the older one", async () => {
      const base = {
        ...document,
        workspace: "base",
        documentUri: "file:///same",
        suffix: SUFFIX,
        multiline: true,
      };
      const before = ok(await rpc.request("stats", {})).requests;
      const older = rpc.request("complete", { ...base, prefix: PREFIX, maxTokens: 600 });
      while (ok(await rpc.request("stats", {})).requests === before)
        await new Promise((r) => setTimeout(r, 1));
      const newer = rpc.request("complete", { ...base, prefix: `${PREFIX}a`, maxTokens: 8 });
      const [olderResult, newerResult] = [ok(await older), ok(await newer)];
      expect(olderResult.stopReason).toBe("cancelled");
      expect(olderResult.completionTokens).toBeLessThan(600);
      expect(newerResult.stopReason).not.toBe("cancelled");
      // Requests for other documents do not cancel each other.
      const a = rpc.request("complete", { ...base, documentUri: "file:///a", prefix: PREFIX, maxTokens: 8 });
      const b = rpc.request("complete", { ...base, documentUri: "file:///b", prefix: PREFIX, maxTokens: 8 });
      expect(ok(await a).stopReason).toBe("max-tokens");
      expect(ok(await b).stopReason).toBe("max-tokens");
    });

    it("writes nothing but JSON-RPC responses on its output", () => {
      for (const line of rpc.lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
    });

    it("shuts down: answers null and closes", async () => {
      expect(ok(await rpc.request("shutdown", {}))).toBeNull();
      await rpc.server.closed;
    });
  });

  it("answers a cold place under a time cap from the short prompt, once it has measured its prefill speed", async () => {
    const rpc = await initializedServer();
    const prefix = `${Array.from({ length: 80 }, (_, i) => `export const value${i} = ${i} * 3;`).join("\n")}\n${PREFIX}`;
    const complete = async (workspace: string, timeoutMs?: number) =>
      ok(
        await rpc.request("complete", {
          ...document,
          documentUri: `file:///${workspace}/src/math.ts`,
          workspace,
          prefix,
          suffix: SUFFIX,
          multiline: false,
          maxTokens: 4,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        }),
      );
    // No cap: the whole prompt (and the worker learns how fast it prefills).
    const first = await complete("w1");
    expect(first.shortPrompt).toBeUndefined();
    expect(first.promptTokens).toBeGreaterThan(2 * SHORT_PROMPT_TOKENS);
    // A place nothing is cached for, under a cap its prefill cannot meet: the short prompt.
    const cold = await complete("w2", 1);
    expect(cold.shortPrompt).toBe(true);
    expect(cold.promptTokens).toBeLessThanOrEqual(SHORT_PROMPT_TOKENS);
    // Meanwhile the worker prefills w2's full prompt when idle, a chunk at a time...
    const cachedFor = async (key: string) =>
      (await rpc.server.service.engineInfo()).promptCaches.find((c) => c.key === key)?.tokens ?? 0;
    for (let i = 0; i < 300 && (await cachedFor("w2")) < first.promptTokens - 1; i++)
      await new Promise((wait) => setTimeout(wait, 150)); // idle > LATER_IDLE_MS between polls
    expect(await cachedFor("w2")).toBe(first.promptTokens - 1);
    // ...so the next capped request there is answered from it.
    const after = await complete("w2", 1);
    expect(after.shortPrompt).toBeUndefined();
    expect(after.promptTokens).toBe(first.promptTokens);
    // The cached place under the same cap: its own prompt (all but one token of it cached; the spent cap
    // then stops it before any step).
    const warm = await complete("w1", 1);
    expect(warm.shortPrompt).toBeUndefined();
    expect(warm.promptTokens).toBe(first.promptTokens);
    ok(await rpc.request("shutdown", {}));
    await rpc.server.closed;
  });

  it("evicts least recently used adapters beyond maxAdapterBytes, never one a workspace uses", async () => {
    const rpc = await initializedServer({}, { maxAdapterBytes: 87_500 });
    const a1Bytes = ok(await rpc.request("loadAdapter", { key: "pinned", dir: adapters.a1 })).bytes;
    expect(a1Bytes).toBeLessThan(87_500);
    ok(
      await rpc.request("setWorkspaceAdapters", { workspace: "w", adapters: [{ key: "pinned", weight: 1 }] }),
    );
    ok(await rpc.request("loadAdapter", { key: "second", dir: adapters.a1 })); // over the bound; pinned stays
    ok(await rpc.request("loadAdapter", { key: "third", dir: adapters.a2 }));
    const stats = ok(await rpc.request("stats", {}));
    expect(stats.adapters.map((a) => a.key)).toEqual(["pinned", "third"]);
    expect(stats.adapterCacheBytes).toBe(stats.adapters.reduce((s, a) => s + a.bytes, 0));
    const evicted = await rpc.request("setWorkspaceAdapters", {
      workspace: "v",
      adapters: [{ key: "second", weight: 1 }],
    });
    expect(evicted.error?.data.code).toBe("ADAPTER_NOT_FOUND");
    expect((await rpc.server.service.engineInfo()).loadedAdapters.sort()).toEqual(["pinned", "third"]);
    ok(await rpc.request("shutdown", {}));
    await rpc.server.closed;
  });
});
