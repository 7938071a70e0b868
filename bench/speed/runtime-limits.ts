/**
 * The runtime server under oversized input, as a child process on a tiny random model (made here, no Python):
 * (1) a 400 MB stdin line, then `stats` — the server's peak RSS before and after, and when `stats` answers;
 * (2) a `complete` at the limits (2 Mi-character document, 4 snippets of 256 Ki characters) followed by
 * `stats` — when each answers, and the peak RSS.
 *
 *   npx tsx bench/speed/runtime-limits.ts
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareModelPackage } from "../../runtime/src/model/package.ts";
import { PROTOCOL_VERSION } from "../../runtime/src/protocol/index.ts";
import { TINY_QWEN2, writeRandomModel } from "../../runtime/src/testing/random-model.ts";

const work = mkdtempSync(join(tmpdir(), "repolora-bench-limits-"));
writeRandomModel(join(work, "model"), TINY_QWEN2);
const packageDir = join(work, "package");
await prepareModelPackage({ source: join(work, "model"), outDir: packageDir, id: "bench/limits" });

async function withServer(run: (server: Server) => Promise<void>): Promise<void> {
  const server = new Server(spawn(process.execPath, ["bin/repolora.mjs", "serve", "--model", packageDir]));
  await server.send(
    `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: PROTOCOL_VERSION, modelPackage: "" } })}\n`,
  );
  await server.answered(1);
  await run(server);
  server.child.kill("SIGTERM");
  await new Promise((done) => server.child.once("exit", done));
}

class Server {
  private out = "";
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (chunk: Buffer) => {
      this.out += chunk.toString("utf8");
    });
  }
  /** Peak resident memory of the server process so far (MB). */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
  }
  send(text: string): Promise<void> {
    return new Promise((done) =>
      this.child.stdin.write(text) ? done() : this.child.stdin.once("drain", done),
    );
  }
  async answered(id: number): Promise<void> {
    while (!this.out.includes(`"id":${id},`)) await new Promise((r) => setTimeout(r, 2));
  }
}

await withServer(async (server) => {
  const before = server.peakRssMb();
  const start = Date.now();
  await server.send('{"jsonrpc":"2.0","id":2,"method":"complete","params":{"prefix":"');
  const chunk = "x".repeat(1024 * 1024);
  for (let i = 0; i < 400; i++) await server.send(chunk);
  await server.send('"}}\n{"jsonrpc":"2.0","id":3,"method":"stats","params":{}}\n');
  await server.answered(3);
  console.log(
    `400 MB line: peak RSS ${before.toFixed(0)} → ${server.peakRssMb().toFixed(0)} MB; refused and stats answered ${Date.now() - start} ms after the first byte`,
  );
});

await withServer(async (server) => {
  const before = server.peakRssMb();
  const params = {
    workspace: "w",
    documentUri: "u",
    path: "a.ts",
    languageId: "typescript",
    repoName: "r",
    prefix: "let x = 1;\n".repeat(190_000),
    suffix: "\n",
    multiline: false,
    maxTokens: 8,
    context: Array.from({ length: 4 }, (_, i) => ({ path: `b${i}.ts`, text: "y".repeat(256 * 1024) })),
  };
  const start = Date.now();
  await server.send(
    `${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "complete", params })}\n{"jsonrpc":"2.0","id":3,"method":"stats","params":{}}\n`,
  );
  await server.answered(3);
  const statsMs = Date.now() - start;
  await server.answered(2);
  console.log(
    `complete at the limits: stats answered in ${statsMs} ms, the completion in ${Date.now() - start} ms; peak RSS ${before.toFixed(0)} → ${server.peakRssMb().toFixed(0)} MB`,
  );
});
rmSync(work, { recursive: true, force: true });
