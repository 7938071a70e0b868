/**
 * JSON-RPC 2.0 client for the runtime server: one JSON object per line on the server's stdin/stdout
 * (runtime/src/protocol). Aborting a request sends the `cancel` notification with its id and rejects at once;
 * a late answer to it is dropped.
 */
import type { Readable, Writable } from "node:stream";
import type {
  ErrorCode,
  MethodName,
  Methods,
  Notifications,
  ResponseMessage,
} from "../../../runtime/src/protocol/index.ts";

/** An error answer from the server, or the connection failing. */
export class RuntimeRequestError extends Error {
  override readonly name = "RuntimeRequestError";
  constructor(
    message: string,
    /** The protocol's error code; CONNECTION_CLOSED when the process went away. */
    readonly code: ErrorCode | "CONNECTION_CLOSED" | "TIMEOUT",
    readonly method: string,
  ) {
    super(message);
  }
}

export class RequestCancelledError extends Error {
  override readonly name = "RequestCancelledError";
  constructor(readonly method: string) {
    super(`${method} cancelled`);
  }
}

interface Pending {
  method: MethodName;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export interface RpcClientOptions {
  /** Called for each line that is not a response to a pending request (e.g. a late answer, noise). */
  onStray?: (line: string) => void;
}

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = "";
  private closedReason: string | null = null;

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly options: RpcClientOptions = {},
  ) {
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => this.onData(chunk));
    input.on("end", () => this.close("the runtime closed its output"));
    input.on("error", (error) => this.close(`the runtime's output failed: ${error.message}`));
    output.on("error", (error) => this.close(`the runtime's input failed: ${error.message}`));
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  request<M extends MethodName>(
    method: M,
    params: Methods[M]["params"],
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Methods[M]["result"]> {
    if (this.closedReason !== null) {
      return Promise.reject(new RuntimeRequestError(this.closedReason, "CONNECTION_CLOSED", method));
    }
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(new RequestCancelledError(method));
    const id = this.nextId++;
    return new Promise<Methods[M]["result"]>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        this.pending.delete(id);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        cleanup();
        this.notify("cancel", { id });
        reject(new RequestCancelledError(method));
      };
      this.pending.set(id, {
        method,
        resolve: (value) => {
          cleanup();
          resolve(value as Methods[M]["result"]);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          if (method === "complete") this.notify("cancel", { id });
          reject(new RuntimeRequestError(`${method} timed out after ${timeoutMs} ms`, "TIMEOUT", method));
        }, timeoutMs);
      }
      this.write({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify<N extends keyof Notifications>(method: N, params: Notifications[N]): void {
    if (this.closedReason === null) this.write({ jsonrpc: "2.0", method, params });
  }

  /** Rejects everything pending; later requests fail at once. */
  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const [, pending] of this.pending) {
      pending.reject(new RuntimeRequestError(reason, "CONNECTION_CLOSED", pending.method));
    }
    this.pending.clear();
  }

  private write(message: object): void {
    try {
      this.output.write(`${JSON.stringify(message)}\n`);
    } catch (error) {
      this.close(`writing to the runtime failed: ${(error as Error).message}`);
    }
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onLine(line);
      newline = this.buffer.indexOf("\n");
    }
  }

  private onLine(line: string): void {
    let message: ResponseMessage;
    try {
      message = JSON.parse(line) as ResponseMessage;
    } catch {
      this.options.onStray?.(line);
      return;
    }
    const pending = typeof message?.id === "number" ? this.pending.get(message.id) : undefined;
    if (!pending) {
      this.options.onStray?.(line);
      return;
    }
    if ("error" in message) {
      const code = message.error?.data?.code ?? "INTERNAL";
      const error =
        code === "CANCELLED"
          ? new RequestCancelledError(pending.method)
          : new RuntimeRequestError(message.error?.message ?? "runtime error", code, pending.method);
      pending.reject(error);
    } else {
      pending.resolve(message.result);
    }
  }
}
