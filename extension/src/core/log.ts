/** Structured log: an event name plus fields, one line each (the editor's log channel adds time and level). */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { log: () => {} };

export function formatLogLine(event: string, fields?: Record<string, unknown>): string {
  if (!fields || Object.keys(fields).length === 0) return event;
  return `${event} ${JSON.stringify(fields, (_key, value) => (value instanceof Error ? value.message : value))}`;
}

/** A logger that remembers what it was told (tests, and the last lines shown with an error). */
export class MemoryLogger implements Logger {
  readonly lines: Array<{ level: LogLevel; event: string; fields: Record<string, unknown> }> = [];
  log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level, event, fields });
  }
  events(): string[] {
    return this.lines.map((l) => l.event);
  }
}
