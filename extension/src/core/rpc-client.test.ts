import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { RequestCancelledError, RpcClient, RuntimeRequestError } from "./rpc-client.ts";

function connect() {
  const fromServer = new PassThrough();
  const toServer = new PassThrough();
  const sent: Array<Record<string, unknown>> = [];
  toServer.setEncoding("utf8");
  toServer.on("data", (chunk: string) => {
    for (const line of chunk.split("\n")) if (line) sent.push(JSON.parse(line));
  });
  const stray: string[] = [];
  const client = new RpcClient(fromServer, toServer, { onStray: (l) => stray.push(l) });
  const reply = (message: object) => fromServer.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  const tick = () => new Promise((r) => setImmediate(r));
  return { client, sent, stray, reply, fromServer, tick };
}

describe("RpcClient", () => {
  it("numbers requests and resolves each with its own answer, whatever the order", async () => {
    const { client, sent, reply, tick } = connect();
    const a = client.request("stats", {});
    const b = client.request("shutdown", {});
    await tick();
    expect(sent.map((m) => [m.id, m.method, m.jsonrpc])).toEqual([
      [1, "stats", "2.0"],
      [2, "shutdown", "2.0"],
    ]);
    reply({ id: 2, result: null });
    reply({ id: 1, result: { requests: 3 } });
    expect(await b).toBeNull();
    expect(await a).toEqual({ requests: 3 });
  });

  it("reassembles answers split across chunks and ignores stray lines", async () => {
    const { client, reply, fromServer, stray, tick } = connect();
    const p = client.request("stats", {});
    await tick();
    fromServer.write('{"jsonrpc":"2.0","id":1,"res');
    fromServer.write('ult":{"ok":true}}\nnoise\n');
    reply({ id: 99, result: 1 });
    expect(await p).toEqual({ ok: true });
    await tick();
    expect(stray).toEqual(["noise", '{"jsonrpc":"2.0","id":99,"result":1}']);
  });

  it("turns an error answer into a RuntimeRequestError with the protocol's code", async () => {
    const { client, reply, tick } = connect();
    const p = client.request("loadAdapter", { key: "k", dir: "/d" });
    await tick();
    reply({
      id: 1,
      error: { code: -32000, message: "base model differs", data: { code: "ADAPTER_MISMATCH" } },
    });
    await expect(p).rejects.toMatchObject({
      name: "RuntimeRequestError",
      code: "ADAPTER_MISMATCH",
      method: "loadAdapter",
    });
  });

  it("abort sends `cancel` with the request's id and rejects at once; the late answer is dropped", async () => {
    const { client, sent, reply, stray, tick } = connect();
    const controller = new AbortController();
    const p = client.request("stats", {}, { signal: controller.signal });
    controller.abort();
    await expect(p).rejects.toBeInstanceOf(RequestCancelledError);
    await tick();
    expect(sent.at(-1)).toEqual({ jsonrpc: "2.0", method: "cancel", params: { id: 1 } });
    reply({ id: 1, result: {} });
    await tick();
    expect(stray).toHaveLength(1);
    expect(client.pendingCount).toBe(0);
  });

  it("a CANCELLED error answer is a cancellation, not a failure", async () => {
    const { client, reply, tick } = connect();
    const p = client.request("stats", {});
    await tick();
    reply({ id: 1, error: { code: -32800, message: "cancelled", data: { code: "CANCELLED" } } });
    await expect(p).rejects.toBeInstanceOf(RequestCancelledError);
  });

  it("times out", async () => {
    const { client } = connect();
    await expect(client.request("stats", {}, { timeoutMs: 10 })).rejects.toMatchObject({ code: "TIMEOUT" });
  });

  it("rejects pending and later requests when the server's output ends", async () => {
    const { client, fromServer } = connect();
    const p = client.request("stats", {});
    fromServer.end();
    await expect(p).rejects.toBeInstanceOf(RuntimeRequestError);
    await expect(client.request("stats", {})).rejects.toMatchObject({ code: "CONNECTION_CLOSED" });
    expect(client.closed).toBe(true);
  });
});
