/** Where datasets and adapters live by default: per user, keyed by repository, never inside the repo. */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";

export function dataHome(): string {
  return (
    process.env.REPOLORA_HOME ??
    join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "repolora")
  );
}

/** "<name>-<8 hex of the remote or root>": readable and unique per repository. */
export function repoKey(name: string, remoteOrRoot: string): string {
  const safe = name.replace(/[^\w.-]+/g, "_").slice(0, 40) || "repo";
  return `${safe}-${createHash("sha256").update(remoteOrRoot).digest("hex").slice(0, 8)}`;
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
