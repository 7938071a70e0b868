/**
 * Which workspace files the retrieval index reads: the git-tracked (and untracked, not ignored) files of a
 * folder, else a bounded walk, minus what the generator's file selection (generator/src/select/,
 * generator/src/secrets/secret-paths.ts, generator/src/dataset/snapshot.ts) would skip where that is cheap to
 * tell: vendored and generated folders, lock files, binaries, secret files, data files, files over the size
 * cap, non-UTF-8, minified or generated content. The extension cannot import generator code (layer rule), so
 * the rules are a copy of the cheap part of that selection; they only decide what retrieval may show.
 */
import { execFile } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** Folders of third-party code or tool output, at any depth (generator: VENDORED_DIRS, GENERATED_DIRS). */
const SKIPPED_DIRS = new Set([
  ...["node_modules", "bower_components", "jspm_packages", "vendor", "vendors", "third_party", "third-party"],
  ...["thirdparty", "3rdparty", "external", "extern", "pods", "carthage", ".yarn", ".pnpm-store"],
  ...["site-packages", ".venv", "elm-stuff", ".bundle"],
  ...["dist", "build", "out", "__generated__", "generated", "coverage", "htmlcov", ".nyc_output", ".next"],
  ...[".nuxt", ".svelte-kit", ".angular", ".docusaurus", ".turbo", ".parcel-cache", ".gradle", ".dart_tool"],
  ...["storybook-static", "__pycache__", ".git"],
]);
/** Only at the folder's root: deeper, the same names are often real source. */
const ROOT_SKIPPED_DIRS = new Set(["deps", "target", "_site"]);

const GENERATED_FILES: readonly RegExp[] = [
  /\.min\.(?:js|mjs|cjs|css)$/,
  /\.(?:bundle|chunk)\.(?:js|css)$/,
  /\.map$/,
  /\.pb(?:\.gw)?\.go$/,
  /_pb2(?:_grpc)?\.pyi?$/,
  /\.pb\.(?:cc|h|swift)$/,
  /_pb\.(?:js|d\.ts)$/,
  /\.(?:g|freezed|gr|mocks)\.dart$/,
  /\.designer\.cs$|\.g\.(?:i\.)?cs$/,
  /^zz_generated\./,
  /[._]generated\.[a-z0-9]+$/,
  /\.snap$/,
];

const LOCK_FILES = new Set([
  ...["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "shrinkwrap.yaml"],
  ...["bun.lock", "bun.lockb", "deno.lock", "cargo.lock", "poetry.lock", "pipfile.lock", "pdm.lock"],
  ...["uv.lock", "pixi.lock", "conda-lock.yml", "requirements.lock", "requirements-dev.lock"],
  ...["gemfile.lock", "go.sum", "go.work.sum", "gopkg.lock", "glide.lock", "composer.lock"],
  ...["podfile.lock", "package.resolved", "cartfile.resolved", "pubspec.lock", "mix.lock", "flake.lock"],
  ...["gradle.lockfile", "packages.lock.json", "paket.lock", "chart.lock", ".terraform.lock.hcl"],
  "module.bazel.lock",
]);

const BINARY_EXTENSIONS = new Set([
  ...["png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "cur", "tif", "tiff", "webp", "avif", "heic", "psd"],
  ...["xcf", "sketch", "fig", "ttf", "otf", "ttc", "woff", "woff2", "eot"],
  ...["zip", "tar", "gz", "tgz", "bz2", "xz", "7z", "rar", "zst", "lz4", "jar", "war", "ear", "apk", "aab"],
  ...["ipa", "deb", "rpm", "dmg", "iso", "msi", "nupkg", "whl", "egg", "gem", "crx", "vsix"],
  ...["mp3", "wav", "ogg", "oga", "flac", "aac", "m4a", "opus", "mid", "midi", "mp4", "m4v", "mov", "avi"],
  ...["mkv", "webm", "wmv", "flv", "swf"],
  ...["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "epub"],
  ...["exe", "dll", "so", "dylib", "a", "lib", "o", "obj", "ko", "wasm", "pyc", "pyo", "pyd", "class"],
  ...["beam", "dex", "node"],
  ...["sqlite", "sqlite3", "db", "mdb", "parquet", "feather", "arrow", "avro", "orc", "npy", "npz", "pkl"],
  ...["pickle", "pt", "pth", "ckpt", "onnx", "safetensors", "gguf", "h5", "hdf5", "tflite", "pb"],
  ...["glb", "fbx", "blend", "3ds", "unitypackage"],
]);

/** Data, not code (generator/src/dataset/snapshot.ts DATA_EXTENSIONS). */
const DATA_EXTENSIONS = new Set([
  ...["json", "csv", "tsv", "xml", "svg", "txt", "log", "ipynb", "lock", "sum"],
  ...["gitmodules", "gitattributes", "gitignore", "npmignore", "dockerignore", "prettierignore"],
  "eslintignore",
]);

/** generator/src/secrets/secret-paths.ts, tested against the lower-cased path. */
const SECRET_PATHS: readonly RegExp[] = [
  /(?:^|\/)\.env(?:\.[^/]*)?$/,
  /(?:^|\/)\.envrc$/,
  /\.(?:pem|key|p8|ppk)$/,
  /\.(?:p12|pfx|jks|keystore|kdbx)$/,
  /(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)[^/]*$/,
  /(?:^|\/)(?:\.npmrc|\.pypirc|\.netrc|_netrc|\.htpasswd|\.pgpass|\.git-credentials)$/,
  /(?:^|\/)credentials[^/]*$/,
  /secret[^/]*\.(?:json|ya?ml|toml)$/,
  /(?:^|\/)service[-_]?account[^/]*\.json$/,
  /(?:^|\/)\.docker\/config\.json$/,
  /\.tfvars(?:\.json)?$/,
  /\.tfstate(?:\.backup)?$/,
];

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
  if (SECRET_PATHS.some((p) => p.test(lower))) return "secret";
  const dirs = lower.split("/");
  const name = dirs.pop() ?? "";
  if (dirs.some((d) => SKIPPED_DIRS.has(d)) || (dirs[0] !== undefined && ROOT_SKIPPED_DIRS.has(dirs[0])))
    return "vendored-or-generated";
  if (GENERATED_FILES.some((p) => p.test(name))) return "vendored-or-generated";
  if (LOCK_FILES.has(name)) return "lock";
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1) : name.startsWith(".") ? name.slice(1) : "";
  if (BINARY_EXTENSIONS.has(extension)) return "binary";
  if (DATA_EXTENSIONS.has(extension)) return "data";
  return null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const GENERATED_MARKER = /@generated\b|\bdo not edit\b|\bauto-?generated\b|\bautomatically generated\b/i;
const PROSE = /\.(?:md|markdown|mdx|rst|adoc|org)$/i;
/** The marker must sit in a comment (a generator's own source mentions it in strings). */
const COMMENT_LEADER = /^\s*(?:\/\/|\/\*|\*|#|--|;|<!--|"""|''')/;

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
  if (header.some((line) => GENERATED_MARKER.test(line) && COMMENT_LEADER.test(line)))
    return "vendored-or-generated";
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines += 1;
  if (!PROSE.test(path) && text.length / lines > 200) return "minified";
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
