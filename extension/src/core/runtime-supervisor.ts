/**
 * Owns the runtime server process: starts it on first use (never at editor start-up), initializes it,
 * re-applies the loaded adapters and workspace bindings after a restart, restarts it with exponential back-off
 * when it dies, gives up (and says so once) after repeated failures, and shuts it down politely.
 */
import type { Readable, Writable } from "node:stream";
import { type Methods, PROTOCOL_VERSION, type WeightedAdapter } from "../../../runtime/src/protocol/index.ts";
import type { Logger } from "./log.ts";
import { RpcClient, RuntimeRequestError } from "./rpc-client.ts";

/** The part of a ChildProcess the supervisor uses (so tests can hand it anything process-shaped). */
export interface RuntimeProcess {
  readonly pid?: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: "error", listener: (error: Error) => void): this;
}

export type InitializeParams = Omit<Methods["initialize"]["params"], "protocolVersion">;
export type InitializeResult = Methods["initialize"]["result"];

export interface SupervisorOptions {
  spawn: () => RuntimeProcess;
  /** Read when the process starts, so a settings change applies at the next (re)start. */
  initializeParams: () => InitializeParams;
  log: Logger;
  /** Told once per give-up, with what the process said last. */
  onGiveUp: (message: string) => void;
  onStateChange?: (state: RuntimeState) => void;
  /** Problems worth telling the user that do not stop the runtime (an adapter it refused). */
  onWarning?: (message: string) => void;
  backoff?: { initialMs: number; maxMs: number };
  /** Failures in a row after which restarts stop until restart() is called. */
  maxFailures?: number;
  /** A process that stays up this long resets the failure count. */
  stableMs?: number;
  initializeTimeoutMs?: number;
  shutdownTimeoutMs?: number;
}

export type RuntimeState =
  | { kind: "stopped" }
  | { kind: "starting" }
  | { kind: "ready"; info: InitializeResult }
  | { kind: "backoff"; retryAt: number; failures: number; lastError: string }
  | { kind: "failed"; lastError: string };

export class RuntimeUnavailableError extends Error {
  override readonly name = "RuntimeUnavailableError";
}

interface Running {
  process: RuntimeProcess;
  client: RpcClient;
  startedAt: number;
  exited: Promise<void>;
  stderrTail: string[];
  phase: "initializing" | "live" | "stopping";
}

export class RuntimeSupervisor {
  private state: RuntimeState = { kind: "stopped" };
  private running: Running | null = null;
  private starting: Promise<Running> | null = null;
  private failures = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  /** Desired state, re-applied to every new process. */
  private readonly adapters = new Map<string, string>();
  private readonly workspaces = new Map<string, WeightedAdapter[]>();
  private readonly options: Required<Omit<SupervisorOptions, "onStateChange" | "onWarning">> &
    Pick<SupervisorOptions, "onStateChange" | "onWarning">;

  constructor(options: SupervisorOptions) {
    this.options = {
      backoff: { initialMs: 1000, maxMs: 30_000 },
      maxFailures: 4,
      stableMs: 60_000,
      initializeTimeoutMs: 120_000,
      shutdownTimeoutMs: 3000,
      ...options,
    };
  }

  get current(): RuntimeState {
    return this.state;
  }

  /** The initialized client; starts the process when none runs. Rejects while backing off or given up. */
  async client(): Promise<RpcClient> {
    if (this.disposed) throw new RuntimeUnavailableError("the extension is shutting down");
    if (this.running && !this.running.client.closed) return this.running.client;
    if (this.state.kind === "failed") {
      throw new RuntimeUnavailableError(`the runtime failed repeatedly: ${this.state.lastError}`);
    }
    if (this.state.kind === "backoff" && Date.now() < this.state.retryAt) {
      throw new RuntimeUnavailableError(
        `the runtime is restarting in ${Math.ceil((this.state.retryAt - Date.now()) / 1000)} s`,
      );
    }
    return (await this.launch()).client;
  }

  /** Starts the process, or joins a start in flight. No back-off check: callers decide when it is time. */
  private launch(): Promise<Running> {
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  async complete(
    params: Methods["complete"]["params"],
    signal: AbortSignal,
  ): Promise<Methods["complete"]["result"]> {
    const client = await this.client();
    const result = await client.request("complete", params, { signal });
    this.failures = 0;
    return result;
  }

  async stats(): Promise<Methods["stats"]["result"]> {
    return (await this.client()).request("stats", {}, { timeoutMs: 10_000 });
  }

  /** Loads (or reloads under a new key) an adapter now if the runtime runs, and after every restart. */
  async loadAdapter(key: string, dir: string): Promise<Methods["loadAdapter"]["result"] | null> {
    this.adapters.set(key, dir);
    if (!this.running || this.running.client.closed) return null;
    return this.running.client.request("loadAdapter", { key, dir }, { timeoutMs: 120_000 });
  }

  forgetAdapter(key: string): void {
    this.adapters.delete(key);
  }

  /** Binds a workspace to adapters ([] = base model); applied now if running, and after every restart. */
  async setWorkspaceAdapters(workspace: string, adapters: WeightedAdapter[]): Promise<void> {
    this.workspaces.set(workspace, adapters);
    if (!this.running || this.running.client.closed) return;
    await this.running.client.request("setWorkspaceAdapters", { workspace, adapters }, { timeoutMs: 30_000 });
  }

  /** Forgets failures and starts again (the user's "restart" or a settings change). */
  async restart(): Promise<void> {
    await this.stop();
    this.failures = 0;
    this.setState({ kind: "stopped" });
  }

  /** Polite shutdown: `shutdown` request, close stdin, then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const starting = this.starting;
    if (starting) await starting.catch(() => {});
    const running = this.running;
    this.running = null;
    if (!running) return;
    running.phase = "stopping";
    const timeout = this.options.shutdownTimeoutMs;
    const exitedIn = (ms: number) =>
      Promise.race([running.exited.then(() => true), new Promise<boolean>((r) => setTimeout(r, ms, false))]);
    try {
      await running.client.request("shutdown", {}, { timeoutMs: timeout });
    } catch {
      // Already gone, or not answering: the signals below handle it.
    }
    running.process.stdin.end();
    if (!(await exitedIn(timeout))) {
      running.process.kill("SIGTERM");
      if (!(await exitedIn(timeout))) running.process.kill("SIGKILL");
    }
    running.client.close("the runtime was stopped");
    this.setState({ kind: "stopped" });
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.disposed = true;
  }

  private setState(state: RuntimeState): void {
    this.state = state;
    this.options.onStateChange?.(state);
  }

  private async start(): Promise<Running> {
    this.setState({ kind: "starting" });
    const log = this.options.log;
    let process: RuntimeProcess;
    try {
      process = this.options.spawn();
    } catch (error) {
      this.onFailure(`could not start the runtime: ${(error as Error).message}`);
      throw new RuntimeUnavailableError((error as Error).message);
    }
    const stderrTail: string[] = [];
    const client = new RpcClient(process.stdout, process.stdin, {
      onStray: (line) => log.log("debug", "runtime.stray", { line: line.slice(0, 500) }),
    });
    let exited!: () => void;
    const running: Running = {
      process,
      client,
      startedAt: Date.now(),
      exited: new Promise<void>((r) => {
        exited = r;
      }),
      stderrTail,
      phase: "initializing",
    };
    let stderrBuffer = "";
    process.stderr.setEncoding("utf8");
    process.stderr.on("data", (chunk: string) => {
      stderrBuffer += chunk;
      const lines = stderrBuffer.split("\n");
      stderrBuffer = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
        log.log("debug", "runtime.stderr", { line });
      }
    });
    process.once("error", (error) => {
      client.close(`the runtime could not run: ${error.message}`);
    });
    process.once("exit", (code, signal) => {
      exited();
      client.close(`the runtime exited (code ${code}, signal ${signal})`);
      log.log(running.phase === "stopping" ? "info" : "warn", "runtime.exit", {
        pid: process.pid,
        code,
        signal,
        phase: running.phase,
      });
      // A failed initialize is counted where it is caught; a stop was asked for.
      if (running.phase !== "live") return;
      this.running = null;
      if (Date.now() - running.startedAt >= this.options.stableMs) this.failures = 0;
      const tail = stderrTail.slice(-3).join(" | ");
      this.onFailure(`exited with code ${code}${signal ? ` (${signal})` : ""}${tail ? `: ${tail}` : ""}`);
    });
    log.log("info", "runtime.spawn", { pid: process.pid });

    try {
      const info = await client.request(
        "initialize",
        { protocolVersion: PROTOCOL_VERSION, ...this.options.initializeParams() },
        { timeoutMs: this.options.initializeTimeoutMs },
      );
      log.log("info", "runtime.ready", { pid: process.pid, ...info });
      this.running = running;
      for (const [key, dir] of this.adapters) {
        try {
          await client.request("loadAdapter", { key, dir }, { timeoutMs: 120_000 });
        } catch (error) {
          // One bad adapter must not take completions down: its workspaces fall back to the base model.
          log.log("warn", "runtime.loadAdapter.failed", { key, dir, error });
          this.adapters.delete(key);
          this.options.onWarning?.(`Adapter ${dir} could not be loaded: ${(error as Error).message}`);
        }
      }
      for (const [workspace, adapters] of this.workspaces) {
        const usable = adapters.filter((a) => this.adapters.has(a.key));
        await client.request("setWorkspaceAdapters", { workspace, adapters: usable }, { timeoutMs: 30_000 });
      }
      running.phase = "live";
      this.setState({ kind: "ready", info });
      return running;
    } catch (error) {
      const reason =
        error instanceof RuntimeRequestError && error.code !== "CONNECTION_CLOSED"
          ? `${error.code}: ${error.message}`
          : `${(error as Error).message}${stderrTail.length ? `: ${stderrTail.slice(-3).join(" | ")}` : ""}`;
      this.running = null;
      running.phase = "stopping";
      process.kill("SIGKILL");
      client.close(reason);
      this.onFailure(reason);
      throw new RuntimeUnavailableError(reason);
    }
  }

  private onFailure(reason: string): void {
    if (this.disposed) return;
    this.failures += 1;
    this.options.log.log("warn", "runtime.failure", { failures: this.failures, reason });
    if (this.failures >= this.options.maxFailures) {
      this.setState({ kind: "failed", lastError: reason });
      this.options.onGiveUp(
        `The RepoLoRA runtime failed ${this.failures} times in a row and was not restarted: ${reason}`,
      );
      return;
    }
    const { initialMs, maxMs } = this.options.backoff;
    const delay = Math.min(maxMs, initialMs * 2 ** (this.failures - 1));
    this.setState({
      kind: "backoff",
      retryAt: Date.now() + delay,
      failures: this.failures,
      lastError: reason,
    });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    // Restart eagerly after the back-off so the next keystroke finds a warm runtime.
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.disposed || this.running || this.starting) return;
      // Not client(): a timer may fire a millisecond before Date.now() reaches retryAt, and client() would then
      // refuse as "still backing off", leaving the runtime never restarted.
      this.launch().catch(() => {});
    }, delay);
    this.restartTimer.unref?.();
  }
}
