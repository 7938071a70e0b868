/**
 * Which workspace files the retrieval index reads: the git-tracked (and untracked, not ignored) files of a
 * folder, else a bounded walk, minus what the generator's file selection (generator/src/select/,
 * generator/src/dataset/snapshot.ts) would skip where that is cheap to tell: vendored and generated folders, lock files, binaries, secret files, data files, files over the size
 * cap, non-UTF-8, minified or generated content. The rules (folders, names, extensions, secret files, generated
 * markers) are the contracts leaf's (runtime/src/contracts/file-selection.ts), shared with the generator; only
 * the cheap part of that selection runs here, and it only decides what retrieval may show.
 */
import { execFile } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  ANY_GENERATED_MARKER,
  BINARY_EXTENSIONS,
  COMMENT_LEADER,
  DATA_EXTENSIONS,
  GENERATED_DIRS,
  GENERATED_FILES,
  isSecretPath,
  LOCK_FILES,
  PROSE_EXTENSIONS,
  ROOT_GENERATED_DIRS,
  ROOT_VENDORED_DIRS,
  VENDORED_DIRS,
} from "../../../runtime/src/contracts/file-selection.ts";

/** Folders of third-party code or tool output, at any depth (and .git, which a folder walk meets). */
const SKIPPED_DIRS = new Set([...VENDORED_DIRS.keys(), ...GENERATED_DIRS.keys(), ".git"]);
/** Only at the folder's root: deeper, the same names are often real source. */
const ROOT_SKIPPED_DIRS = new Set([...ROOT_VENDORED_DIRS.keys(), ...ROOT_GENERATED_DIRS.keys()]);

export type SkipReason =
  | "secret"
  | "vendored-or-generated"
  | "lock"
  | "binary"
  | "data"
  | "too-large"
  | "non-utf8"
  | "empty"
  | "minified";

/** Why the path alone rules the file out, or null. `path` is folder-relative POSIX. */
export function pathSkipReason(path: string): SkipReason | null {
  const lower = path.toLowerCase();
  if (isSecretPath(lower)) return "secret";
  const dirs = lower.split("/");
  const name = dirs.pop() ?? "";
  if (dirs.some((d) => SKIPPED_DIRS.has(d)) || (dirs[0] !== undefined && ROOT_SKIPPED_DIRS.has(dirs[0])))
    return "vendored-or-generated";
  if (GENERATED_FILES.some((rule) => rule.pattern.test(name))) return "vendored-or-generated";
  if (LOCK_FILES.has(name)) return "lock";
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1) : name.startsWith(".") ? name.slice(1) : "";
  if (BINARY_EXTENSIONS.has(extension)) return "binary";
  if (DATA_EXTENSIONS.has(extension)) return "data";
  return null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Prose keeps one paragraph per line: a long average line says nothing about it. */
const isProse = (path: string) => PROSE_EXTENSIONS.has(path.slice(path.lastIndexOf(".") + 1).toLowerCase());

/** The file's text, or why it is skipped: NUL byte (binary), not UTF-8, blank, generated header, minified. */
export function contentSkipReason(path: string, bytes: Uint8Array): { text: string } | { skip: SkipReason } {
  if (bytes.subarray(0, 8192).includes(0)) return { skip: "binary" };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { skip: "non-utf8" };
  }
  const skip = textSkipReason(path, text);
  return skip ? { skip } : { text };
}

/** The content rules on decoded text (also an editor's buffer): blank, generated header, minified. */
export function textSkipReason(path: string, text: string): SkipReason | null {
  if (!/\S/.test(text)) return "empty";
  const header = text.slice(0, 8192).split("\n", 20);
  // The marker must sit in a comment (a generator's own source mentions it in strings).
  if (header.some((line) => ANY_GENERATED_MARKER.test(line) && COMMENT_LEADER.test(line)))
    return "vendored-or-generated";
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines += 1;
  if (!isProse(path) && text.length / lines > 200) return "minified";
  return null;
}

/** True when git ignores `path` (folder-relative); false outside a repository or when git cannot tell. */
export function isGitIgnored(root: string, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("git", ["check-ignore", "-q", "--", path], { cwd: root, timeout: 5000 }, (error) =>
      resolve(error === null),
    );
  });
}

export interface FileListing {
  /** Folder-relative POSIX paths. */
  paths: string[];
  source: "git" | "walk";
}

function gitLsFiles(root: string): Promise<string[] | null> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        cwd: root,
        timeout: 15_000,
        maxBuffer: 64 << 20,
        env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" },
      },
      (error, stdout) => {
        if (error) resolve(null);
        else resolve([...new Set(stdout.split("\0").filter(Boolean))]);
      },
    );
  });
}

/**
 * The folder's candidate files: `git ls-files` (tracked + untracked not ignored, relative to `root`, so a folder
 * inside a repository lists only itself), else a walk that skips hidden and skipped folders. At most
 * `maxListed` paths, in a stable order.
 */
export async function listWorkspaceFiles(root: string, maxListed = 50_000): Promise<FileListing> {
  const fromGit = await gitLsFiles(root);
  if (fromGit) return { paths: fromGit.sort().slice(0, maxListed), source: "git" };
  const paths: string[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (paths.length >= maxListed || depth > 20) return;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (paths.length >= maxListed) return;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        const lower = entry.name.toLowerCase();
        if (entry.name.startsWith(".") || SKIPPED_DIRS.has(lower) || (!rel && ROOT_SKIPPED_DIRS.has(lower)))
          continue;
        await walk(join(dir, entry.name), path, depth + 1);
      } else if (entry.isFile()) paths.push(path);
    }
  };
  await walk(root, "", 0);
  return { paths, source: "walk" };
}

/** Reads one candidate: its text, or why it is skipped (path rules first, then size, then content). */
export async function readCandidate(
  root: string,
  path: string,
  maxFileBytes: number,
): Promise<{ text: string } | { skip: SkipReason | "unreadable" }> {
  const byPath = pathSkipReason(path);
  if (byPath) return { skip: byPath };
  const absolute = join(root, ...path.split("/"));
  try {
    const info = await stat(absolute);
    if (!info.isFile()) return { skip: "unreadable" };
    if (info.size > maxFileBytes) return { skip: "too-large" };
    return contentSkipReason(path, await readFile(absolute));
  } catch {
    return { skip: "unreadable" };
  }
}
