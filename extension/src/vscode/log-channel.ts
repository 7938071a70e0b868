import type * as vscode from "vscode";
import { formatLogLine, type Logger } from "../core/log.ts";

/** The structured log on the "RepoLoRA" output channel (the channel adds time and level). */
export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    log(level, event, fields) {
      channel[level](formatLogLine(event, fields));
    },
  };
}
