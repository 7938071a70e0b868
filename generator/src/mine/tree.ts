/** Lists the files of a commit's tree with their blob ids, modes and sizes (one `git ls-tree` call). */
import { isMissingObjectError, type ObjectStore } from "./objects.ts";
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

/**
 * With a store, blobs the store lacks come back `missing` (and are recorded there) instead of failing: a
 * partial clone's `ls-tree --long` dies on the first blob its remote cannot send, so then the tree is listed
 * without sizes and the sizes read from the objects that are there.
 */
export async function listTree(
  root: string,
  commit: string,
  subdir: string,
  store?: ObjectStore,
): Promise<TreeEntry[]> {
  const pathspec = subdir ? ["--", subdir] : [];
  let output: string;
  try {
    output = (
      await gitBytes(root, ["ls-tree", "-r", "-z", "--long", "--full-tree", commit, ...pathspec])
    ).toString("utf8");
  } catch (error) {
    if (!store || !isMissingObjectError(error)) throw error;
    return listTreeWithout(root, commit, pathspec, store);
  }
  const entries = parseTree(output);
  for (const entry of entries) if (entry.missing) store?.markMissing(entry.blob);
  return entries;
}

async function listTreeWithout(
  root: string,
  commit: string,
  pathspec: string[],
  store: ObjectStore,
): Promise<TreeEntry[]> {
  const output = (await gitBytes(root, ["ls-tree", "-r", "-z", "--full-tree", commit, ...pathspec])).toString(
    "utf8",
  );
  const entries: TreeEntry[] = [];
  for (const line of output.split("\0")) {
    // "<mode> <type> <object>\t<path>"
    const tab = line.indexOf("\t");
    const [mode, type, blob] = line.slice(0, tab).split(" ");
    if (!mode || !blob || tab < 0) continue;
    entries.push({ path: line.slice(tab + 1), blob, mode, size: -1, missing: type === "blob" });
  }
  const blobs = entries.filter((e) => e.missing).map((e) => e.blob);
  const absent = await store.absent(blobs);
  const sizes = await blobSizes(
    root,
    blobs.filter((b) => !absent.has(b)),
  );
  for (const entry of entries) {
    if (!entry.missing || absent.has(entry.blob)) continue;
    entry.missing = false;
    entry.size = sizes.get(entry.blob) ?? -1;
  }
  return entries;
}

/** Sizes of blobs known to be present (`cat-file --batch-check`, fed on stdin). */
async function blobSizes(root: string, blobs: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (blobs.length === 0) return sizes;
  const output = (await gitBytes(root, ["cat-file", "--batch-check"], `${blobs.join("\n")}\n`)).toString(
    "utf8",
  );
  for (const line of output.split("\n")) {
    const [id, , size] = line.split(" ");
    if (id && size) sizes.set(id, Number(size));
  }
  return sizes;
}

function parseTree(output: string): TreeEntry[] {
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
