/**
 * JSON-RPC 2.0 framing for the runtime server: one JSON object per line. Parsing, envelope checks and the
 * error type that carries both the JSON-RPC numeric code and the protocol's ErrorCode.
 */
import type { ErrorCode, ErrorObject } from "../protocol/index.ts";

/** JSON-RPC's reserved codes, and the one server-error code the runtime uses for everything else. */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  serverError: -32000,
} as const;

export class RpcError extends Error {
  constructor(
    readonly rpcCode: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RpcError";
  }

  toObject(): ErrorObject {
    return { code: this.rpcCode, message: this.message, data: { code: this.code } };
  }
}

export const badRequest = (message: string) => new RpcError(RPC.invalidParams, "BAD_REQUEST", message);
export const serverError = (code: ErrorCode, message: string) => new RpcError(RPC.serverError, code, message);

export type IncomingMessage =
  | { kind: "request"; id: number; method: string; params: unknown }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "invalid"; id: number | null; error: RpcError };

/** Classifies one line of input. Never throws. */
export function parseMessage(line: string): IncomingMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return {
      kind: "invalid",
      id: null,
      error: new RpcError(RPC.parseError, "BAD_REQUEST", `not JSON: ${(error as Error).message}`),
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      kind: "invalid",
      id: null,
      error: invalid("a message must be a JSON object (batches are not supported)"),
    };
  }
  const message = value as Record<string, unknown>;
  const id = message.id;
  const validId = typeof id === "number" && Number.isInteger(id) ? id : null;
  if (message.jsonrpc !== "2.0")
    return { kind: "invalid", id: validId, error: invalid('"jsonrpc" must be "2.0"') };
  if (typeof message.method !== "string")
    return { kind: "invalid", id: validId, error: invalid('"method" must be a string') };
  const params = message.params ?? {};
  if (id === undefined) return { kind: "notification", method: message.method, params };
  if (validId === null) return { kind: "invalid", id: null, error: invalid('"id" must be an integer') };
  return { kind: "request", id: validId, method: message.method, params };
}

function invalid(message: string): RpcError {
  return new RpcError(RPC.invalidRequest, "BAD_REQUEST", message);
}

export function resultLine(id: number, result: unknown): string {
  return `${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`;
}

export function errorLine(id: number | null, error: RpcError): string {
  return `${JSON.stringify({ jsonrpc: "2.0", id, error: error.toObject() })}\n`;
}

/** Splits a byte stream into lines (UTF-8 safe: decoding happens on whole lines). */
export class LineSplitter {
  private pending: Buffer[] = [];

  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, start)) {
      this.pending.push(chunk.subarray(start, at));
      const line = Buffer.concat(this.pending).toString("utf8").replace(/\r$/, "");
      this.pending = [];
      if (line.trim() !== "") onLine(line);
      start = at + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  /** The last line when the stream ended without a newline. */
  flush(onLine: (line: string) => void): void {
    const line = Buffer.concat(this.pending).toString("utf8");
    this.pending = [];
    if (line.trim() !== "") onLine(line);
  }
}
