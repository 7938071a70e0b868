/** The server's log: one line per event on stderr (stdout carries only protocol messages). */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, message: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function stderrLogger(
  minimum: LogLevel = "info",
  stream: NodeJS.WritableStream = process.stderr,
): Logger {
  return (level, message) => {
    if (ORDER[level] < ORDER[minimum]) return;
    stream.write(`${new Date().toISOString()} ${level.padEnd(5)} repolora-runtime: ${message}\n`);
  };
}

export const silentLogger: Logger = () => undefined;
