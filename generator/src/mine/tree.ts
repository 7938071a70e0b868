/** Lists the files of a commit's tree with their blob ids, modes and sizes (one `git ls-tree` call). */
import { gitBytes } from "./spawn.ts";

export interface TreeEntry {
  path: string;
  blob: string;
  /** "100644" file, "100755" executable, "120000" symlink, "160000" submodule. */
  mode: string;
  /** Bytes; -1 for submodules. */
  size: number;
  /** The object is not in the local store (partial clones, mirrors without large files). */
  missing: boolean;
}

export const MODE_SYMLINK = "120000";
export const MODE_SUBMODULE = "160000";

export async function listTree(root: string, commit: string, subdir: string): Promise<TreeEntry[]> {
  const args = ["ls-tree", "-r", "-z", "--long", "--full-tree", commit];
  if (subdir) args.push("--", subdir);
  const output = (await gitBytes(root, args)).toString("utf8");
  const entries: TreeEntry[] = [];
  for (const line of output.split("\0")) {
    if (!line) continue;
    // "<mode> <type> <object> <size>\t<path>"; size is right-aligned with spaces, "-" for submodules.
    const tab = line.indexOf("\t");
    const [mode, , blob, size] = line.slice(0, tab).split(/\s+/);
    if (!mode || !blob) continue;
    // ls-tree prints "-" as the size of submodules and "BAD" for objects it cannot read.
    const bytes = size === "-" || size === undefined ? -1 : Number(size);
    entries.push({
      path: line.slice(tab + 1),
      blob,
      mode,
      size: Number.isNaN(bytes) ? -1 : bytes,
      missing: Number.isNaN(bytes),
    });
  }
  return entries;
}
