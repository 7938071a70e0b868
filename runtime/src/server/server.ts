/**
 * The runtime server: JSON-RPC 2.0 over a pair of streams (stdin/stdout in `repolora serve`), one message
 * per line, logs elsewhere (stderr). Requests are admitted in arrival order — so `loadAdapter` then
 * `setWorkspaceAdapters` then `complete` sent back to back behave as sent — while completions wait in their
 * own queue and `cancel` notifications act at once. Never opens a port.
 */
import type { Readable, Writable } from "node:stream";
import type { MethodName } from "../protocol/index.ts";
import { isEngineDead, toRpcError } from "./errors.ts";
import {
  errorLine,
  LineSplitter,
  parseMessage,
  type RequestId,
  RPC,
  RpcError,
  rawMember,
  resultLine,
} from "./jsonrpc.ts";
import { MAX_LINE_BYTES, OVERSIZED_LINE_HEAD_BYTES } from "./limits.ts";
import { isMethodName, parseParams } from "./params.ts";
import { RuntimeService, type ServiceOptions } from "./service.ts";

export interface ServeOptions extends ServiceOptions {
  input: Readable;
  output: Writable;
  /** Open this model package at once, before `initialize` arrives. */
  preloadPackage?: string;
  threads?: number;
}

export interface RunningServer {
  service: RuntimeService;
  /**
   * Resolves after `shutdown` (or the end of input) once the engine is closed: exit code 0; or 1 when the engine
   * worker died — the server then stops, so that its client restarts it rather than talking to a dead engine.
   */
  closed: Promise<number>;
  /**
   * A requested stop (SIGTERM): logs, answers every pending request as cancelled (a running completion with
   * `stopReason: "cancelled"`), closes the engine; `closed` then resolves 0.
   */
  stop(reason: string): Promise<number>;
}

/** Why requests that arrive while the server stops are refused, and with which code. */
interface Stopping {
  code: "CANCELLED" | "INTERNAL";
  message: string;
}

export function serve(options: ServeOptions): RunningServer {
  const { input, output, log } = options;
  const service = new RuntimeService({
    ...options,
    onEngineDeath: (error) => {
      log(
        "error",
        `${error.message}; answering ${pendingCount()} pending request(s) with an error and stopping (exit 1) so that the client restarts the server`,
      );
      void close(1, { code: "INTERNAL", message: `engine-exited: ${error.message}; the server is stopping` });
    },
  });
  if (options.preloadPackage) service.preload(options.preloadPackage, options.threads);
  let admission: Promise<void> = Promise.resolve();
  /** Requests read but not yet admitted, and those of them a cancel notification already named. */
  const awaitingAdmission = new Set<RequestId>();
  const cancelledEarly = new Set<RequestId>();
  /** Completions admitted and not yet answered: a stop waits for their answers. */
  const answering = new Set<Promise<void>>();
  const pendingCount = () => awaitingAdmission.size + answering.size;
  let stopping: Stopping | null = null;
  let shuttingDown = false;
  let finish!: (exitCode: number) => void;
  const closed = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const send = (line: string) => {
    if (!output.writableEnded) output.write(line);
  };

  const close = async (
    exitCode = 0,
    why: Stopping = { code: "INTERNAL", message: "the server is shutting down" },
  ) => {
    if (shuttingDown) return;
    shuttingDown = true;
    stopping = why;
    input.off("data", onData);
    await service.shutdown().catch((error) => log("error", `shutdown: ${(error as Error).message}`));
    // Every request read so far gets its answer before the process may exit.
    await admission;
    await Promise.allSettled([...answering]);
    finish(exitCode);
  };
  const stop = async (reason: string) => {
    if (!shuttingDown) {
      log("info", `${reason}: cancelling ${pendingCount()} pending request(s) and stopping`);
      void close(0, { code: "CANCELLED", message: `cancelled: the server is stopping (${reason})` });
    }
    return closed;
  };
  const failed = (method: string, error: unknown) => {
    // A dead engine is reported once, by onEngineDeath; other internal errors each time.
    if (!isEngineDead(error) && toRpcError(error).code === "INTERNAL")
      log("error", `${method} failed: ${(error as Error).stack ?? String(error)}`);
  };

  const onLine = (line: string) => {
    const message = parseMessage(line);
    if (message.kind === "invalid") {
      log("warn", `invalid message: ${message.error.message}`);
      send(errorLine(message.id, message.error));
      return;
    }
    if (message.kind === "notification") {
      handleNotification(message.method, message.paramsId);
      return;
    }
    const { id, method, params } = message;
    // Admission in arrival order; a completion's admission ends once it is queued, not when it is done.
    awaitingAdmission.add(id);
    const admitted = admission.then(() => {
      awaitingAdmission.delete(id);
      if (cancelledEarly.delete(id)) {
        service.countCancelled();
        send(
          errorLine(
            id,
            new RpcError(RPC.serverError, "CANCELLED", `request ${id} was cancelled before it started`),
          ),
        );
        return;
      }
      return dispatch(id, method, params);
    });
    admission = admitted.then(
      () => undefined,
      () => undefined,
    );
  };

  const handleNotification = (method: string, paramsId: RequestId | null) => {
    if (method !== "cancel") {
      log("warn", `unknown notification ${method} ignored`);
      return;
    }
    if (paramsId === null) {
      log("warn", "cancel notification without an integer id ignored");
      return;
    }
    // Acts at once on a queued or running completion; one still waiting for admission is refused when admitted.
    if (!service.cancel(paramsId) && awaitingAdmission.has(paramsId)) cancelledEarly.add(paramsId);
  };

  const dispatch = async (id: RequestId, method: string, params: unknown): Promise<void> => {
    if (stopping) {
      send(errorLine(id, new RpcError(RPC.serverError, stopping.code, stopping.message)));
      return;
    }
    if (!isMethodName(method)) {
      send(errorLine(id, new RpcError(RPC.methodNotFound, "BAD_REQUEST", `unknown method ${method}`)));
      return;
    }
    try {
      const pending = handle(id, method, params);
      if (method === "complete") {
        // Do not hold up admission while the completion waits and runs.
        const answered = pending.then(
          (result) => send(resultLine(id, result)),
          (error) => {
            send(errorLine(id, toRpcError(error)));
            failed(method, error);
          },
        );
        answering.add(answered);
        void answered.finally(() => answering.delete(answered));
        return;
      }
      send(resultLine(id, await pending));
      // Not awaited: close() waits for admission, and this request is part of it.
      if (method === "shutdown") void close();
    } catch (error) {
      const rpcError = toRpcError(error);
      if (rpcError.code === "INTERNAL")
        log("error", `${method} failed: ${(error as Error).stack ?? rpcError.message}`);
      send(errorLine(id, rpcError));
    }
  };

  const handle = async (id: RequestId, method: MethodName, raw: unknown): Promise<unknown> => {
    switch (method) {
      case "initialize":
        return service.initialize(parseParams("initialize", raw));
      case "loadAdapter":
        return service.loadAdapter(parseParams("loadAdapter", raw));
      case "setWorkspaceAdapters":
        return service.setWorkspaceAdapters(parseParams("setWorkspaceAdapters", raw));
      case "complete": {
        // Validation and prompt building happen now; the result arrives when the queue gets to it.
        const params = parseParams("complete", raw);
        return service.complete(id, params);
      }
      case "stats":
        parseParams("stats", raw);
        return service.stats();
      case "shutdown":
        parseParams("shutdown", raw);
        // Pending completions answer (cancelled) before the shutdown response does.
        await service.drain();
        return null;
    }
  };

  const onOversized = (head: string, bytes: number) => {
    const rawId = rawMember(head, "id");
    const id = rawId !== undefined && /^-?\d+$/.test(rawId) ? rawId : null;
    const message = `line of ${bytes} bytes discarded: over the limit of ${MAX_LINE_BYTES} bytes (MAX_LINE_BYTES); send less context or a smaller document`;
    log("warn", `${message}${id === null ? "" : ` (request ${id})`}`);
    const code = id === null ? RPC.parseError : RPC.invalidRequest;
    send(errorLine(id, new RpcError(code, "BAD_REQUEST", message)));
  };
  const splitter = new LineSplitter(MAX_LINE_BYTES, OVERSIZED_LINE_HEAD_BYTES, onOversized);
  const onData = (chunk: Buffer | string) =>
    splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk, onLine);
  input.on("data", onData);
  input.on("end", () => {
    splitter.flush(onLine);
    log("info", "input closed; shutting down");
    void admission.then(() => close(0));
  });
  return { service, closed, stop };
}
