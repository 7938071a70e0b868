/** Where datasets and adapters live by default: per user, keyed by repository, never inside the repo. */
import { homedir } from "node:os";
import { join } from "node:path";

export function dataHome(): string {
  return (
    process.env.REPOLORA_HOME ??
    join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "repolora")
  );
}

export function defaultAdapterDir(adaptersDir: string, key: string, head: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return join(adaptersDir, key, `${stamp}-${head.slice(0, 8)}`);
}

export function defaultDatasetDir(key: string, head: string): string {
  return join(dataHome(), "datasets", key, head.slice(0, 12));
}
