/**
 * What the local object store lacks. History may reference objects that are not on this machine: a loose
 * object deleted or corrupted on disk, or the old blobs of a partial clone (`--filter=blob:none`) whose
 * remote is gone. The miners ask this class which of the objects they need are there, skip what the others
 * touch, and count them, so one lost blob costs the files and commits it touches, never the whole build.
 */
import { gitRecords, gitText } from "./spawn.ts";

/** Where one is known, a missing object's error names it; these are the phrasings git uses for them. */
const MISSING_OBJECT_ERROR =
  /unable to read [0-9a-f]{40}|could not fetch [0-9a-f]{40}|missing (?:blob|tree|object)|bad object|object [0-9a-f]{40} is missing|Could not read [0-9a-f]{40}/i;

/** True when a git failure is about an object the store lacks (as opposed to a bad argument, a crash...). */
export function isMissingObjectError(error: unknown): boolean {
  return error instanceof Error && MISSING_OBJECT_ERROR.test(error.message);
}

export class ObjectStore {
  /** Objects the build needed and the store lacks. */
  readonly missing = new Set<string>();
  private present: Promise<Set<string>> | null = null;

  private constructor(
    readonly root: string,
    /** The promisor remote of a partial clone, else null. */
    readonly partialCloneRemote: string | null,
  ) {}

  static async open(root: string): Promise<ObjectStore> {
    return new ObjectStore(root, await promisorRemote(root));
  }

  /** Records an object found missing by other means (`ls-tree` printing BAD, `cat-file` answering missing). */
  markMissing(id: string): void {
    this.missing.add(id);
  }

  /**
   * Which of `ids` the store lacks (and records them). Reads the list of objects present once, with
   * `git cat-file --batch-all-objects`: unlike asking for each object, it never fetches (a partial clone's
   * git dies on the first object its remote cannot send) and never fails on a missing one.
   */
  async absent(ids: Iterable<string>): Promise<Set<string>> {
    this.present ??= listPresentBlobs(this.root);
    const present = await this.present;
    const absent = new Set<string>();
    for (const id of ids) {
      if (/^0+$/.test(id) || present.has(id)) continue;
      absent.add(id);
      this.missing.add(id);
    }
    return absent;
  }

  /** The one warning a build prints when it skipped anything, with what the user can do about it. */
  warning(): string | null {
    const count = this.missing.size;
    if (count === 0) return null;
    const what = `${count} git object(s) the history references are not in ${this.root}; the files and commit stats that need them were skipped.`;
    if (this.partialCloneRemote) {
      const remote = this.partialCloneRemote;
      return (
        `${what} This is a partial clone (promisor remote '${remote}'), and repolora does not fetch objects ` +
        `unless asked. With the remote reachable, pass --fetch-missing (or set REPOLORA_FETCH_MISSING=1) to let git fetch them on demand, or ` +
        `download the whole history once: \`git -C ${this.root} config --unset remote.${remote}.partialclonefilter && ` +
        `git -C ${this.root} fetch --refetch ${remote}\`.`
      );
    }
    return (
      `${what} They were deleted or damaged on disk (\`git -C ${this.root} fsck\` lists them); ` +
      "fetch them again from a clone that has them (`git fetch <remote>`), or clone the repository afresh."
    );
  }
}

/** A partial clone names its promisor remote in `extensions.partialClone` or `remote.<name>.promisor`. */
async function promisorRemote(root: string): Promise<string | null> {
  const extension = await gitText(root, ["config", "--get", "extensions.partialClone"]).catch(() => "");
  if (extension.trim()) return extension.trim();
  const promisors = await gitText(root, ["config", "--get-regexp", "^remote\\..*\\.promisor$"]).catch(
    () => "",
  );
  for (const line of promisors.split("\n")) {
    const match = /^remote\.(.+)\.promisor (.*)$/.exec(line.trim());
    if (match && /^(true|yes|on|1)$/i.test(match[2]!)) return match[1]!;
  }
  return null;
}

/** The ids of every blob in the local store (packs, loose objects, alternates). */
async function listPresentBlobs(root: string): Promise<Set<string>> {
  const present = new Set<string>();
  await gitRecords(
    root,
    ["cat-file", "--batch-all-objects", "--unordered", "--batch-check=%(objectname) %(objecttype)"],
    "\n",
    (line) => {
      if (line.endsWith(" blob")) present.add(line.slice(0, line.indexOf(" ")));
      return true;
    },
  );
  return present;
}
