import { type LogLevel, stderrLogger } from "../../../../runtime/src/server/log.ts";
import { serve } from "../../../../runtime/src/server/server.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora serve [--model <package dir>] [options]

Runs the completion server: JSON-RPC 2.0 over stdin/stdout, one JSON message per line; logs go to stderr.
Methods: initialize, loadAdapter, setWorkspaceAdapters, complete, stats, shutdown; notification: cancel
(see runtime/src/protocol/index.ts and docs/RUNTIME.md). The server never opens a port.

Options:
  --model <dir>          Model package (from \`repolora model prepare\`) to load at once, before initialize
                         arrives; initialize may name it again (or leave modelPackage empty).
  --threads <n>          onnxruntime intra-op threads (default: onnxruntime's choice, the physical cores).
  --prompt-caches <n>    Prompt KV caches kept, one per workspace (default 4; 0 disables prefix reuse).
  --no-typing-anchor     Build each keystroke's prompt afresh (re-feeds everything after the cursor) instead of
                         appending what was typed, its last token healed, to the prompt the run of typing
                         started with (the default; docs/decisions/2026-12-05-typing-anchor.md).
  --typing-anchor        The default, named.
  --no-short-prompt      Always answer from the full prompt, also at a cold place whose prefill cannot meet the
                         request's time cap (by default a ~160-token prompt answers there instead;
                         docs/decisions/2026-12-06-cold-fallback.md).
  --log-level <level>    debug, info, warn or error (default info).

Example:
  repolora serve --model ~/.cache/repolora/models/qwen2.5-coder-0.5b`;

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

export const serveCommand: Command = {
  name: "serve",
  summary: "Serve completions over JSON-RPC on stdio (the editor extension starts this)",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      model: { type: "string" },
      threads: { type: "string" },
      "prompt-caches": { type: "string" },
      "typing-anchor": { type: "boolean" },
      "no-typing-anchor": { type: "boolean" },
      "no-short-prompt": { type: "boolean" },
      "log-level": { type: "string" },
    });
    if (positionals.length > 0) {
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `Unexpected argument '${positionals[0]}'.`,
        "Pass the model with --model <dir>.",
      );
    }
    const level = (values["log-level"] ?? "info") as LogLevel;
    if (!LEVELS.includes(level)) {
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `Unknown --log-level '${level}'.`,
        `Use one of ${LEVELS.join(", ")}.`,
      );
    }
    const threads = values.threads === undefined ? undefined : numberOption("threads", values.threads, 0, 1);
    const server = serve({
      input: process.stdin,
      output: process.stdout,
      log: stderrLogger(level),
      ...(values.model ? { preloadPackage: values.model } : {}),
      ...(threads ? { threads } : {}),
      promptCaches: numberOption("prompt-caches", values["prompt-caches"], 4, 0),
      typingAnchor: !values["no-typing-anchor"],
      shortPrompt: !values["no-short-prompt"],
    });
    // A requested stop answers what is pending (cancelled) and logs, rather than dying mid-answer.
    const onSignal = (signal: NodeJS.Signals) => void server.stop(`received ${signal}`);
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    const exitCode = await server.closed;
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    process.stdin.destroy(); // nothing more to read: let the process exit
    return exitCode;
  },
};
