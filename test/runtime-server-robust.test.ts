/**
 * The runtime server when things go wrong, as the extension sees it: `repolora serve` as a child process over
 * real pipes with a tiny random model (runtime/src/testing/random-model.ts). The engine worker dies mid-
 * completion (test hook REPOLORA_TEST_ENGINE_EXIT_AFTER_TOKENS), SIGTERM arrives with requests pending, ids
 * beyond 2^53, lines and requests over the limits (runtime/src/server/limits.ts), and a large request in
 * flight while `stats` and `cancel` must still answer (REPOLORA_TEST_ENGINE_STEP_DELAY_MS slows the engine).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareModelPackage } from "../runtime/src/model/package.ts";
import { PROTOCOL_VERSION } from "../runtime/src/protocol/index.ts";
import { LineSplitter } from "../runtime/src/server/jsonrpc.ts";
import {
  MAX_CONTEXT_SNIPPETS,
  MAX_DOCUMENT_CHARS,
  MAX_LINE_BYTES,
  MAX_SNIPPET_CHARS,
} from "../runtime/src/server/limits.ts";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";

const bin = join(resolve(import.meta.dirname, ".."), "bin", "repolora.mjs");
/** 2^60 and 2^60 + 1: JSON integers a double cannot hold (2^60 + 1 rounds to 2^60). */
const BIG_ID = "1152921504606846976";
const BIG_ID_PLUS_1 = "1152921504606846977";

interface Answer {
  id: number | null;
  result?: { stopReason: string; promptTokens: number; requests: number };
  error?: { code: number; message: string; data: { code: string } };
}

/** A server process and its raw stdout lines (ids are compared as raw text, never as numbers). */
class ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(packageDir: string, env: Record<string, string> = {}) {
    const base = { ...process.env };
    delete base.ORT_DISABLE_TELEMETRY; // the server must switch onnxruntime's telemetry off itself
    this.child = spawn(process.execPath, [bin, "serve", "--model", packageDir, "--threads", "1"], {
      env: { ...base, ...env },
    });
    let buffered = "";
    this.child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      this.lines.push(...parts);
    });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    this.exited = new Promise((done) => this.child.on("exit", (code) => done(code)));
  }

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  request(id: string, method: string, params: unknown): void {
    this.write(`{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${JSON.stringify(params)}}`);
  }

  /** The raw answer line to `id`. */
  async answer(id: string): Promise<string> {
    const mark = `"id":${id},`;
    for (;;) {
      const line = this.lines.find((l) => l.includes(mark));
      if (line) return line;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async call(id: string, method: string, params: unknown): Promise<Answer> {
    this.request(id, method, params);
    return JSON.parse(await this.answer(id)) as Answer;
  }
}

const completion = (documentUri: string, maxTokens: number) => ({
  workspace: "w",
  documentUri,
  path: "src/a.ts",
  languageId: "typescript",
  repoName: "repo",
  prefix: "export function add(a: number, b: number) {\n  return ",
  suffix: "\n}\n",
  context: [],
  multiline: true,
  maxTokens,
});

describe("runtime server robustness (child process, tiny random model)", () => {
  let work: string;
  let packageDir: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "repolora-robust-"));
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    packageDir = join(work, "package");
    await prepareModelPackage({
      source: join(work, "model"),
      outDir: packageDir,
      id: "repolora-tiny/robust",
    });
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("engine worker dies mid-completion: pending requests get errors, a log line, exit 1; no /tmp/mat-debug log", async () => {
    const server = new ServerProcess(packageDir, { REPOLORA_TEST_ENGINE_EXIT_AFTER_TOKENS: "3" });
    const init = await server.call("1", "initialize", {
      protocolVersion: PROTOCOL_VERSION,
      modelPackage: "",
    });
    expect(init.error).toBeUndefined();
    server.request("2", "complete", completion("file:///running", 50));
    server.request("3", "complete", completion("file:///queued", 50));
    // Reaches the worker behind the running completion: it must not be called an adapter mismatch.
    server.request("4", "loadAdapter", { key: "k", dir: join(work, "no-such-adapter") });
    const answers = await Promise.all(["2", "3", "4"].map(async (id) => JSON.parse(await server.answer(id))));
    for (const answer of answers as Answer[]) {
      expect(answer.error?.data.code).toBe("INTERNAL");
      expect(answer.error?.message).toMatch(/engine-exited/);
    }
    expect(await server.exited).toBe(1);
    expect(server.stderr).toMatch(/engine worker exited with code 70.*stopping \(exit 1\)/);
    expect(existsSync(`/tmp/mat-debug-${server.child.pid}.log`)).toBe(false);
  });

  it("SIGTERM answers every pending request as cancelled, logs, exits 0; ids beyond 2^53 come back exact", async () => {
    const server = new ServerProcess(packageDir, { REPOLORA_TEST_ENGINE_STEP_DELAY_MS: "50" });
    await server.call("1", "initialize", { protocolVersion: PROTOCOL_VERSION, modelPackage: "" });
    expect(await server.answer("1")).toContain('"result"');
    server.request(BIG_ID, "complete", completion("file:///running", 600));
    server.request(BIG_ID_PLUS_1, "complete", completion("file:///queued", 600));
    // Admission is in arrival order: once stats answers, both completions are queued (the first running).
    expect((await server.call("2", "stats", {})).result?.requests).toBe(2);
    server.child.kill("SIGTERM");
    const running = await server.answer(BIG_ID);
    const queued = await server.answer(BIG_ID_PLUS_1);
    expect(running).toMatch(new RegExp(`^\\{"jsonrpc":"2.0","id":${BIG_ID},"result":`));
    expect((JSON.parse(running) as Answer).result?.stopReason).toBe("cancelled");
    expect(queued).toMatch(new RegExp(`^\\{"jsonrpc":"2.0","id":${BIG_ID_PLUS_1},"error":`));
    expect((JSON.parse(queued) as Answer).error?.data.code).toBe("CANCELLED");
    expect(await server.exited).toBe(0);
    expect(server.stderr).toMatch(/received SIGTERM: cancelling 2 pending request\(s\) and stopping/);
  });

  it("cancels a request by an id beyond 2^53, and answers a large request's neighbours while it runs", async () => {
    const server = new ServerProcess(packageDir, { REPOLORA_TEST_ENGINE_STEP_DELAY_MS: "50" });
    await server.call("1", "initialize", { protocolVersion: PROTOCOL_VERSION, modelPackage: "" });
    const large = {
      ...completion("file:///large", 600),
      prefix: "x = 1;\n".repeat(Math.floor(MAX_DOCUMENT_CHARS / 7) - 10),
      context: Array.from({ length: 4 }, (_, i) => ({ path: `big${i}.ts`, text: "y".repeat(200_000) })),
    };
    server.request(BIG_ID_PLUS_1, "complete", large);
    const stats = await server.call("2", "stats", {});
    expect(stats.result?.requests).toBe(1);
    expect(server.lines.some((l) => l.includes(`"id":${BIG_ID_PLUS_1},`))).toBe(false); // still running
    server.write(`{"jsonrpc":"2.0","method":"cancel","params":{"id":${BIG_ID_PLUS_1}}}`);
    const answer = await server.answer(BIG_ID_PLUS_1);
    expect(answer.startsWith(`{"jsonrpc":"2.0","id":${BIG_ID_PLUS_1},"result":`)).toBe(true);
    expect((JSON.parse(answer) as Answer).result?.stopReason).toBe("cancelled");
    await server.call("3", "shutdown", {});
    expect(await server.exited).toBe(0);
  });

  it("refuses requests over the limits, naming the limit and the value; unusable context never reaches the prompt", async () => {
    const server = new ServerProcess(packageDir);
    await server.call("1", "initialize", { protocolVersion: PROTOCOL_VERSION, modelPackage: "" });
    const refused = async (id: string, params: unknown, limit: string, value: number) => {
      const answer = await server.call(id, "complete", params);
      expect(answer.error).toMatchObject({ code: -32602, data: { code: "BAD_REQUEST" } });
      expect(answer.error?.message).toContain(limit);
      expect(answer.error?.message).toContain(String(value));
    };
    const base = completion("file:///limits", 4);
    await refused(
      "2",
      { ...base, prefix: "a".repeat(MAX_DOCUMENT_CHARS), suffix: "b" },
      "MAX_DOCUMENT_CHARS",
      MAX_DOCUMENT_CHARS + 1,
    );
    const snippet = { path: "c.ts", text: "c" };
    await refused(
      "3",
      { ...base, context: Array(MAX_CONTEXT_SNIPPETS + 1).fill(snippet) },
      "MAX_CONTEXT_SNIPPETS",
      MAX_CONTEXT_SNIPPETS + 1,
    );
    await refused(
      "4",
      { ...base, context: [{ path: "huge.ts", text: "d".repeat(MAX_SNIPPET_CHARS + 5) }] },
      "MAX_SNIPPET_CHARS",
      MAX_SNIPPET_CHARS + 5,
    );
    // Allowed, but larger than any prompt budget can hold: left out, so the prompt is the one without it.
    const without = await server.call("5", "complete", { ...base, context: [snippet] });
    const withHuge = await server.call("6", "complete", {
      ...base,
      context: [{ path: "big.ts", text: "e".repeat(200_000) }, snippet],
    });
    expect(withHuge.result?.promptTokens).toBe(without.result?.promptTokens);
    await server.call("7", "shutdown", {});
    expect(await server.exited).toBe(0);
  });
});

describe("stdin lines over MAX_LINE_BYTES", () => {
  it("are discarded as they stream, keeping only a bounded head, and answered with an error", async () => {
    const { serve } = await import("../runtime/src/server/server.ts");
    const input = new PassThrough();
    const output = new PassThrough();
    const lines: string[] = [];
    output.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").trim().split("\n")));
    const server = serve({ input, output, log: () => undefined });
    const chunk = "z".repeat(1024 * 1024);
    input.write('{"jsonrpc":"2.0","id":7,"method":"complete","params":{"prefix":"');
    for (let i = 0; i < MAX_LINE_BYTES / chunk.length + 1; i++) input.write(chunk);
    input.write('"}}\n');
    for (let i = 0; i < MAX_LINE_BYTES / chunk.length + 1; i++) input.write(chunk);
    input.write("\n");
    input.write('{"jsonrpc":"2.0","id":8,"method":"stats","params":{}}\n');
    input.end();
    await server.closed;
    const [withId, withoutId, after] = lines.map((l) => JSON.parse(l) as Answer);
    expect(withId).toMatchObject({ id: 7, error: { code: -32600, data: { code: "BAD_REQUEST" } } });
    expect(withId?.error?.message).toMatch(
      new RegExp(`over the limit of ${MAX_LINE_BYTES} bytes \\(MAX_LINE_BYTES\\)`),
    );
    expect(withoutId).toMatchObject({ id: null, error: { code: -32700 } });
    expect(after).toMatchObject({ id: 8, error: { data: { code: "NOT_INITIALIZED" } } });
  });

  it("LineSplitter holds at most maxBytes of a line and hands over only its head", () => {
    const oversized: [string, number][] = [];
    const splitter = new LineSplitter(100, 10, (head, bytes) => oversized.push([head, bytes]));
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) splitter.push(Buffer.from("0123456789".repeat(5)), (l) => lines.push(l));
    splitter.push(Buffer.from("\nshort\n"), (l) => lines.push(l));
    expect(oversized).toEqual([["0123456789", 2500]]);
    expect(lines).toEqual(["short"]);
  });
});
