/**
 * The adapter registry's on-disk layout, shared by the CLI (generator/src/adapters/registry, the writer) and the extension
 * (extension/src/core/registry.ts, a reader):
 *
 *   <root>/<repoKey>/<folder>/     a bundle (bundle-manifest.ts)
 *   <root>/<repoKey>/active.json   {"adapter": "<folder>", ...}: the repository's active adapter
 *   <root>/<repoKey>/.<hidden>     a writer's staging or delete folder: never read
 *   <root>/.registry.lock          serialises writers across processes
 *   repoKey = "<name>-<first 8 hex of sha256(remote URL, else root path)>"
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { z } from "zod";

export const ACTIVE_FILE = "active.json";
export const LOCK_FILE = ".registry.lock";
export const ACTIVE_SCHEMA = 1;
/** The registry's folder for adapters imported without a repository (`repolora adapters import`). */
export const IMPORTED_REPO_KEY = "_imported";

/** "<name>-<8 hex of the remote or root>": readable and unique per repository. */
export function repoKey(name: string, remoteOrRoot: string): string {
  const safe = name.replace(/[^\w.-]+/g, "_").slice(0, 40) || "repo";
  return `${safe}-${createHash("sha256").update(remoteOrRoot).digest("hex").slice(0, 8)}`;
}

/** The repository's name: the remote's last path part without `.git`, else the root folder's name. */
export function repoName(remote: string | null, root: string): string {
  const fromRemote = remote
    ?.replace(/\.git$/, "")
    .split(/[/:]/)
    .filter(Boolean)
    .pop();
  return fromRemote ?? basename(root);
}

/** A folder active.json may name: a registry entry of the same repository, never a path or a hidden folder. */
export function isAdapterFolderName(name: string): boolean {
  return name.length > 0 && !name.includes("/") && !name.startsWith(".");
}

/** active.json. Only `adapter` must be valid; the other fields fall back so an older file is still read. */
export const ActiveRecord = z.object({
  schema: z.number().catch(ACTIVE_SCHEMA),
  adapter: z.string().refine(isAdapterFolderName, "names no valid adapter"),
  activatedAt: z.string().catch(""),
  pid: z.number().catch(0),
});
export type ActiveRecord = z.infer<typeof ActiveRecord>;
