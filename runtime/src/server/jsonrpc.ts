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

/**
 * A request id as received: the raw JSON token of an integer, echoed byte for byte in the answer. Never a
 * Number — an id beyond 2^53 (say 2^60) would come back rounded.
 */
export type RequestId = string;

export type IncomingMessage =
  | { kind: "request"; id: RequestId; method: string; params: unknown }
  | { kind: "notification"; method: string; params: unknown; paramsId: RequestId | null }
  | { kind: "invalid"; id: RequestId | null; error: RpcError };

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
  const validId = isIntegerId(id) ? rawIntegerId(line, id) : null;
  if (message.jsonrpc !== "2.0")
    return { kind: "invalid", id: validId, error: invalid('"jsonrpc" must be "2.0"') };
  if (typeof message.method !== "string")
    return { kind: "invalid", id: validId, error: invalid('"method" must be a string') };
  const params = message.params ?? {};
  if (id === undefined) {
    const paramsId = (params as { id?: unknown }).id;
    const rawParams = isIntegerId(paramsId) ? rawMember(line, "params") : undefined;
    return {
      kind: "notification",
      method: message.method,
      params,
      paramsId: rawParams === undefined ? null : rawIntegerId(rawParams, paramsId as number),
    };
  }
  if (validId === null) return { kind: "invalid", id: null, error: invalid('"id" must be an integer') };
  return { kind: "request", id: validId, method: message.method, params };
}

function isIntegerId(id: unknown): id is number {
  return typeof id === "number" && Number.isInteger(id);
}

/** The id's token as written in `text` (a JSON object); the parsed value's decimal form if it cannot be read. */
function rawIntegerId(text: string, parsed: number): RequestId {
  const raw = rawMember(text, "id");
  return raw !== undefined && Number(raw) === parsed ? raw : String(parsed);
}

/**
 * The raw text of the first member `key` of the JSON object at the start of `text`, top level only; undefined
 * when absent, or when `text` is cut off before it (the head of an oversized line). Only skims: `text` is
 * either valid JSON (already parsed) or the head of a line whose id is all we want.
 */
export function rawMember(text: string, key: string): string | undefined {
  let at = skipSpace(text, 0);
  if (text[at] !== "{") return undefined;
  at += 1;
  for (;;) {
    at = skipSpace(text, at);
    if (text[at] !== '"') return undefined;
    const keyEnd = endOfValue(text, at);
    if (keyEnd < 0) return undefined;
    let name: unknown;
    try {
      name = JSON.parse(text.slice(at, keyEnd));
    } catch {
      return undefined;
    }
    at = skipSpace(text, keyEnd);
    if (text[at] !== ":") return undefined;
    const start = skipSpace(text, at + 1);
    const end = endOfValue(text, start);
    if (end < 0) return undefined;
    if (name === key) return text.slice(start, end);
    at = skipSpace(text, end);
    if (text[at] !== ",") return undefined;
    at += 1;
  }
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && " \t\r\n".includes(text[at]!)) at += 1;
  return at;
}

/** Index just past the JSON value starting at `at`; -1 when the text ends first. */
function endOfValue(text: string, at: number): number {
  const first = text[at];
  if (first === '"') {
    for (let i = at + 1; i < text.length; i += 1) {
      if (text[i] === "\\") i += 1;
      else if (text[i] === '"') return i + 1;
    }
    return -1;
  }
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let i = at; i < text.length; i += 1) {
      const c = text[i];
      if (c === '"') {
        const end = endOfValue(text, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (c === "{" || c === "[") depth += 1;
      else if (c === "}" || c === "]") {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = at;
  while (i < text.length && !",}] \t\r\n".includes(text[i]!)) i += 1;
  return i < text.length && i > at ? i : -1;
}

function invalid(message: string): RpcError {
  return new RpcError(RPC.invalidRequest, "BAD_REQUEST", message);
}

/** A response line; the id is spliced in as received (see RequestId). */
export function resultLine(id: RequestId, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${id},"result":${JSON.stringify(result ?? null)}}\n`;
}

export function errorLine(id: RequestId | null, error: RpcError): string {
  return `{"jsonrpc":"2.0","id":${id ?? "null"},"error":${JSON.stringify(error.toObject())}}\n`;
}

/**
 * Splits a byte stream into lines (UTF-8 safe: decoding happens on whole lines). A line longer than
 * `maxBytes` is not buffered: its first `headBytes` are kept (to read its id from) and the rest dropped as it
 * streams, so memory stays bounded whatever a client writes; `onOversized` gets the head and the full length.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while discarding an oversized line: its head and how many bytes it had so far. */
  private oversized: { head: Buffer; bytes: number } | null = null;

  constructor(
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly headBytes = 0,
    private readonly onOversized: (head: string, bytes: number) => void = () => undefined,
  ) {}

  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, at));
      this.endLine(onLine);
      start = at + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** The last line when the stream ended without a newline. */
  flush(onLine: (line: string) => void): void {
    this.endLine(onLine);
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.oversized) {
      this.oversized.bytes += part.length;
      return;
    }
    if (this.pendingBytes + part.length <= this.maxBytes) {
      this.pending.push(part);
      this.pendingBytes += part.length;
      return;
    }
    const line = Buffer.concat([...this.pending, part]);
    this.oversized = { head: Buffer.from(line.subarray(0, this.headBytes)), bytes: line.length };
    this.pending = [];
    this.pendingBytes = 0;
  }

  private endLine(onLine: (line: string) => void): void {
    if (this.oversized) {
      const { head, bytes } = this.oversized;
      this.oversized = null;
      this.onOversized(head.toString("utf8"), bytes);
      return;
    }
    const line = Buffer.concat(this.pending).toString("utf8").replace(/\r$/, "");
    this.pending = [];
    this.pendingBytes = 0;
    if (line.trim() !== "") onLine(line);
  }
}
