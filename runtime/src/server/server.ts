/**
 * The runtime server: JSON-RPC 2.0 over a pair of streams (stdin/stdout in `repolora serve`), one message
 * per line, logs elsewhere (stderr). Requests are admitted in arrival order — so `loadAdapter` then
 * `setWorkspaceAdapters` then `complete` sent back to back behave as sent — while completions wait in their
 * own queue and `cancel` notifications act at once. Never opens a port.
 */
import type { Readable, Writable } from "node:stream";
import type { MethodName } from "../protocol/index.ts";
import { toRpcError } from "./errors.ts";
import { errorLine, LineSplitter, parseMessage, RPC, RpcError, resultLine } from "./jsonrpc.ts";
import { cancelParams, isMethodName, parseParams } from "./params.ts";
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
}

/** Errors of a dead engine worker (engine-client.ts): nothing will work again in this process. */
function isEngineDead(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "engine-crashed" || code === "engine-exited";
}

export function serve(options: ServeOptions): RunningServer {
  const { input, output, log } = options;
  const service = new RuntimeService(options);
  if (options.preloadPackage) service.preload(options.preloadPackage, options.threads);
  let admission: Promise<void> = Promise.resolve();
  /** Requests read but not yet admitted, and those of them a cancel notification already named. */
  const awaitingAdmission = new Set<number>();
  const cancelledEarly = new Set<number>();
  let shuttingDown = false;
  let finish!: (exitCode: number) => void;
  const closed = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const send = (line: string) => {
    if (!output.writableEnded) output.write(line);
  };

  const close = async (exitCode = 0) => {
    if (shuttingDown) return;
    shuttingDown = true;
    input.off("data", onData);
    await service.shutdown().catch((error) => log("error", `shutdown: ${(error as Error).message}`));
    finish(exitCode);
  };
  const failed = (method: string, error: unknown) => {
    if (isEngineDead(error)) {
      log("error", `${(error as Error).message}; stopping the server so that it is restarted`);
      void close(1);
    } else if (toRpcError(error).code === "INTERNAL") {
      log("error", `${method} failed: ${(error as Error).stack ?? String(error)}`);
    }
  };

  const onLine = (line: string) => {
    const message = parseMessage(line);
    if (message.kind === "invalid") {
      log("warn", `invalid message: ${message.error.message}`);
      send(errorLine(message.id, message.error));
      return;
    }
    if (message.kind === "notification") {
      handleNotification(message.method, message.params);
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

  const handleNotification = (method: string, params: unknown) => {
    if (method !== "cancel") {
      log("warn", `unknown notification ${method} ignored`);
      return;
    }
    const parsed = cancelParams.safeParse(params);
    if (!parsed.success) {
      log("warn", "cancel notification without an integer id ignored");
      return;
    }
    // Acts at once on a queued or running completion; one still waiting for admission is refused when admitted.
    if (!service.cancel(parsed.data.id) && awaitingAdmission.has(parsed.data.id))
      cancelledEarly.add(parsed.data.id);
  };

  const dispatch = async (id: number, method: string, params: unknown): Promise<void> => {
    if (shuttingDown) {
      send(errorLine(id, new RpcError(RPC.serverError, "INTERNAL", "the server is shutting down")));
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
        pending.then(
          (result) => send(resultLine(id, result)),
          (error) => {
            send(errorLine(id, toRpcError(error)));
            failed(method, error);
          },
        );
        return;
      }
      send(resultLine(id, await pending));
      if (method === "shutdown") await close();
    } catch (error) {
      const rpcError = toRpcError(error);
      if (rpcError.code === "INTERNAL")
        log("error", `${method} failed: ${(error as Error).stack ?? rpcError.message}`);
      send(errorLine(id, rpcError));
    }
  };

  const handle = async (id: number, method: MethodName, raw: unknown): Promise<unknown> => {
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

  const splitter = new LineSplitter();
  const onData = (chunk: Buffer | string) =>
    splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk, onLine);
  input.on("data", onData);
  input.on("end", () => {
    splitter.flush(onLine);
    log("info", "input closed; shutting down");
    void admission.then(() => close(0));
  });
  return { service, closed };
}
