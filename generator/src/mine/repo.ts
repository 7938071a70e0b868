/** Opens a git repository with simple-git and reads what the dataset needs to know about it. */
import { existsSync, statSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import { repoName } from "../../../runtime/src/contracts/registry.ts";
import { redactUrlCredentials } from "../../../runtime/src/contracts/remote.ts";
import { RepoLoraError } from "../util/errors.ts";

export interface RepoInfo {
  /** Absolute path of the work tree's top level. */
  root: string;
  /** Repo-relative POSIX folder the dataset is limited to ("" = whole repo). */
  subdir: string;
  head: string;
  headTime: Date;
  /** Branch name, or null on a detached HEAD. */
  branch: string | null;
  remote: string | null;
  shallow: boolean;
  /** Name used in prompts: the remote's last path segment, else the folder name. */
  name: string;
}

export interface OpenedRepo {
  info: RepoInfo;
  git: SimpleGit;
}

/**
 * `path` may be the repo root or any folder inside it; `subdir` (relative to the root) limits the
 * dataset to one project of a monorepo. A folder inside the repo given as `path` becomes the subdir.
 */
export async function openRepo(path: string, subdirOption?: string): Promise<OpenedRepo> {
  const absolute = resolve(path);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new RepoLoraError(
      "NOT_A_GIT_REPO",
      `${absolute} is not a folder.`,
      "Pass the path of a git repository.",
    );
  }
  const probe = simpleGit({ baseDir: absolute });
  let root: string;
  try {
    root = (await probe.revparse(["--show-toplevel"])).trim();
  } catch {
    throw await notAWorkTree(probe, absolute);
  }
  const git = simpleGit({ baseDir: root });
  let head: string;
  try {
    head = (await git.revparse(["--verify", "--quiet", "HEAD^{commit}"])).trim();
  } catch {
    head = "";
  }
  if (!/^[0-9a-f]{40}$/.test(head)) {
    throw new RepoLoraError("EMPTY_REPO", `${root} has no commits yet.`, "Commit some code, then run again.");
  }
  const inside = relative(root, absolute).split(sep).join("/");
  const subdir = normaliseSubdir(subdirOption ?? inside);
  if (subdir && !existsSync(resolve(root, subdir))) {
    throw new RepoLoraError("BAD_ARGUMENT", `Subfolder '${subdir}' does not exist in ${root}.`);
  }
  const [timeText, branchText, shallowText, remote] = await Promise.all([
    git.raw(["show", "-s", "--format=%ct", head]),
    git.raw(["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => ""),
    git.raw(["rev-parse", "--is-shallow-repository"]),
    readRemote(git),
  ]);
  const branch = branchText.trim() || null;
  return {
    git,
    info: {
      root,
      subdir,
      head,
      headTime: new Date(Number(timeText.trim()) * 1000),
      branch,
      remote,
      shallow: shallowText.trim() === "true",
      name: repoName(remote, root),
    },
  };
}

/** Why `absolute` has no work tree to read: a bare repository (say so and how to get one), or no repository. */
async function notAWorkTree(probe: SimpleGit, absolute: string): Promise<RepoLoraError> {
  const bare = await probe.revparse(["--is-bare-repository"]).then(
    (answer) => answer.trim() === "true",
    () => false,
  );
  if (bare) {
    const gitDir = (await probe.revparse(["--absolute-git-dir"]).catch(() => absolute)).trim() || absolute;
    return new RepoLoraError(
      "NOT_A_GIT_REPO",
      `${gitDir} is a bare repository (no working tree).`,
      `Clone it and pass the clone: \`git clone ${gitDir} <dir>\``,
    );
  }
  return new RepoLoraError(
    "NOT_A_GIT_REPO",
    `${absolute} is not inside a git repository.`,
    "Run `git init` and commit your code first, or pass the path of an existing repository.",
  );
}

function normaliseSubdir(subdir: string): string {
  return subdir
    .replaceAll("\\", "/")
    .replace(/^\.?\/+/, "")
    .replace(/\/+$/, "");
}

async function readRemote(git: SimpleGit): Promise<string | null> {
  const remotes = await git.getRemotes(true);
  const chosen = remotes.find((r) => r.name === "origin") ?? remotes[0];
  return chosen?.refs.fetch ? redactUrlCredentials(chosen.refs.fetch) : null;
}
