#!/usr/bin/env node
// A stand-in for `repolora serve`: speaks the runtime protocol (runtime/src/protocol, JSON-RPC 2.0, one JSON
// object per line on stdin/stdout) with scripted answers, for the extension's client tests and as the e2e
// fallback while no real server is available. Environment knobs:
//   FAKE_RUNTIME_TEXT        completion text (default derived from the prompt, see completionFor)
//   FAKE_RUNTIME_DELAY_MS    time a completion takes (default 20); cancellable
//   FAKE_RUNTIME_CRASH_AFTER exit(3) after this many completions
//   FAKE_RUNTIME_EXIT_AT_START  write to stderr and exit(2) before reading anything
//   FAKE_RUNTIME_LOG         append every received message (and "spawn") to this file as JSON lines
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";

const env = process.env;
const record = (entry) => {
  if (env.FAKE_RUNTIME_LOG)
    appendFileSync(env.FAKE_RUNTIME_LOG, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
};
record({ event: "spawn", argv: process.argv.slice(2) });
if (env.FAKE_RUNTIME_EXIT_AT_START) {
  process.stderr.write("fake runtime: model package is broken\n");
  process.exit(2);
}

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
const fail = (id, code, message, rpc = -32000) => send({ id, error: { code: rpc, message, data: { code } } });

let initialized = false;
let completions = 0;
let requests = 0;
let cancelled = 0;
let lastLatencyMs = null;
const adapters = new Map();
const workspaces = new Map();
const running = new Map(); // id -> {timer, finish}

/** Deterministic text from the prompt: what a FIM model would plausibly add at the cursor. */
function completionFor(params) {
  if (env.FAKE_RUNTIME_TEXT !== undefined) return env.FAKE_RUNTIME_TEXT.replace(/\\n/g, "\n");
  const line = params.prefix.slice(params.prefix.lastIndexOf("\n") + 1);
  if (params.multiline) return "\n  return 42;\n}";
  const word = /([A-Za-z_]\w*)\s*$/.exec(line)?.[1] ?? "value";
  return `${word}_from_fake_runtime;`;
}

function handle(message) {
  const { id, method, params } = message;
  if (method === "cancel") {
    const job = running.get(params?.id);
    if (job) job.finish(true);
    return;
  }
  if (method !== "initialize" && !initialized) return fail(id, "NOT_INITIALIZED", "initialize first");
  switch (method) {
    case "initialize":
      if (params.protocolVersion !== 1)
        return fail(id, "PROTOCOL_MISMATCH", `protocol ${params.protocolVersion} ≠ 1`);
      if (String(params.modelPackage).includes("broken")) {
        return fail(id, "MODEL_LOAD_FAILED", `${params.modelPackage} is not a model package`);
      }
      initialized = true;
      return send({
        id,
        result: {
          protocolVersion: 1,
          serverVersion: "fake-0",
          model: { id: "fake/tiny", fimTemplate: "qwen2.5-coder", vocabSize: 320 },
        },
      });
    case "loadAdapter":
      if (String(params.dir).includes("missing"))
        return fail(id, "ADAPTER_NOT_FOUND", `${params.dir} not found`);
      adapters.set(params.key, params.dir);
      return send({ id, result: { key: params.key, bytes: 1024, coveredTargets: 14 } });
    case "setWorkspaceAdapters": {
      const unknown = params.adapters.find((a) => !adapters.has(a.key));
      if (unknown) return fail(id, "ADAPTER_NOT_FOUND", `adapter ${unknown.key} is not loaded`);
      workspaces.set(params.workspace, params.adapters);
      return send({ id, result: { workspace: params.workspace, adapters: params.adapters } });
    }
    case "complete": {
      requests += 1;
      // A newer request for the same document cancels the older one (the protocol's rule).
      for (const job of running.values()) if (job.documentUri === params.documentUri) job.finish(true);
      const started = Date.now();
      const finish = (wasCancelled) => {
        const job = running.get(id);
        if (!job) return;
        clearTimeout(job.timer);
        running.delete(id);
        if (wasCancelled) {
          cancelled += 1;
          return fail(id, "CANCELLED", "cancelled", -32800);
        }
        completions += 1;
        lastLatencyMs = Date.now() - started;
        send({
          id,
          result: {
            text: completionFor(params),
            stopReason: params.multiline ? "end-of-block" : "end-of-line",
            completionTokens: 5,
            promptTokens: Math.ceil((params.prefix.length + params.suffix.length) / 3.5),
            reusedPromptTokens: 0,
            adapters: workspaces.get(params.workspace) ?? [],
            timings: { queueMs: 0, prefillMs: 1, decodeMs: 1, totalMs: lastLatencyMs },
          },
        });
        if (env.FAKE_RUNTIME_CRASH_AFTER && completions >= Number(env.FAKE_RUNTIME_CRASH_AFTER)) {
          process.stderr.write("fake runtime: crashing as asked\n");
          setTimeout(() => process.exit(3), 10);
        }
      };
      const timer = setTimeout(() => finish(false), Number(env.FAKE_RUNTIME_DELAY_MS ?? 20));
      running.set(id, { timer, finish, documentUri: params.documentUri });
      return;
    }
    case "stats":
      return send({
        id,
        result: {
          adapters: [...adapters.keys()].map((key) => ({ key, bytes: 1024 })),
          adapterCacheBytes: adapters.size * 1024,
          requests,
          cancelled,
          lastLatencyMs,
        },
      });
    case "shutdown":
      send({ id, result: null });
      setTimeout(() => process.exit(0), 10);
      return;
    default:
      return fail(id, "BAD_REQUEST", `unknown method ${method}`, -32601);
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return send({ id: null, error: { code: -32700, message: "parse error", data: { code: "BAD_REQUEST" } } });
  }
  record({ event: "message", message });
  handle(message);
});
process.stdin.on("end", () => process.exit(0));
