/**
 * What a path alone says about a file: someone else's code, tool output, a lock file or a binary.
 * Rules are data, one line each with why (runtime/src/contracts/file-selection.ts, shared with the extension);
 * `pathRuleReason` only looks them up. Names are lower case and
 * paths are lower-cased before lookup, because macOS and Windows checkouts treat Vendor/ and vendor/ alike.
 */
import {
  BINARY_EXTENSIONS,
  GENERATED_DIRS,
  GENERATED_FILES,
  LOCK_FILES,
  ROOT_GENERATED_DIRS,
  ROOT_VENDORED_DIRS,
  VENDORED_DIRS,
} from "../../../runtime/src/contracts/file-selection.ts";
import type { SkipReason } from "./skip-reason.ts";

type PathRuleReason = Extract<SkipReason, "vendored" | "generated" | "lock" | "binary">;

interface PathParts {
  /** Lower-cased folder names, outermost first. */
  dirs: readonly string[];
  /** Lower-cased base name. */
  name: string;
  /** Lower-cased text after the base name's last dot ("" when none). */
  extension: string;
}

/** Checked in order; the first that matches names the reason. */
const PATH_RULES: readonly [PathRuleReason, (path: PathParts) => boolean][] = [
  ["vendored", (p) => inFolder(p, VENDORED_DIRS, ROOT_VENDORED_DIRS)],
  ["generated", (p) => inFolder(p, GENERATED_DIRS, ROOT_GENERATED_DIRS)],
  ["generated", (p) => GENERATED_FILES.some((rule) => rule.pattern.test(p.name))],
  ["lock", (p) => LOCK_FILES.has(p.name)],
  ["binary", (p) => BINARY_EXTENSIONS.has(p.extension)],
];

/** Why the path alone rules the file out, or null. `path` is repo-relative POSIX. */
export function pathRuleReason(path: string): PathRuleReason | null {
  const parts = splitPath(path);
  return PATH_RULES.find(([, matches]) => matches(parts))?.[0] ?? null;
}

function splitPath(path: string): PathParts {
  const dirs = path.toLowerCase().split("/");
  const name = dirs.pop() ?? "";
  const dot = name.lastIndexOf(".");
  return { dirs, name, extension: dot > 0 ? name.slice(dot + 1) : "" };
}

function inFolder(
  path: PathParts,
  anyDepth: ReadonlyMap<string, string>,
  rootOnly: ReadonlyMap<string, string>,
) {
  const root = path.dirs[0];
  return (root !== undefined && rootOnly.has(root)) || path.dirs.some((dir) => anyDepth.has(dir));
}
