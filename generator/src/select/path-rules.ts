/**
 * What a path alone says about a file: someone else's code, tool output, a lock file or a binary.
 * Rules are data, one line each with why; `pathRuleReason` only looks them up. Names are lower case and
 * paths are lower-cased before lookup, because macOS and Windows checkouts treat Vendor/ and vendor/ alike.
 */
import type { SkipReason } from "./skip-reason.ts";

/** Folders of third-party code, matched at any depth (monorepos vendor per package). */
const VENDORED_DIRS = new Map<string, string>([
  ["node_modules", "npm packages"],
  ["bower_components", "Bower packages"],
  ["jspm_packages", "jspm packages"],
  ["vendor", "Go modules, Composer and Bundler vendoring"],
  ["vendors", "hand-copied libraries"],
  ["third_party", "Google/Chromium convention for imported code"],
  ["third-party", "imported code"],
  ["thirdparty", "imported code"],
  ["3rdparty", "imported code"],
  ["external", "CMake and Bazel externals"],
  ["extern", "C/C++ externals"],
  ["pods", "CocoaPods"],
  ["carthage", "Carthage checkouts"],
  [".yarn", "Yarn Berry cache, releases and plugins"],
  [".pnpm-store", "pnpm store"],
  ["site-packages", "a committed Python environment"],
  [".venv", "a committed Python virtualenv"],
  ["elm-stuff", "Elm packages"],
  [".bundle", "Bundler install path"],
]);

/** Folders of third-party code only at the root: deeper, the same name is often real source. */
const ROOT_VENDORED_DIRS = new Map<string, string>([
  ["deps", "Elixir mix and C dependency checkouts (src/deps/ is as likely a dependency-graph module)"],
]);

/** Folders of tool output, matched at any depth. */
const GENERATED_DIRS = new Map<string, string>([
  ["dist", "bundler and packager output"],
  ["build", "compiler output (Gradle modules, CMake, setuptools)"],
  ["out", "compiler output (tsc, IntelliJ, VS Code extensions)"],
  ["__generated__", "Relay and GraphQL codegen"],
  ["generated", "codegen output by convention"],
  ["coverage", "coverage reports"],
  ["htmlcov", "coverage.py reports"],
  [".nyc_output", "nyc coverage data"],
  [".next", "Next.js build"],
  [".nuxt", "Nuxt build"],
  [".svelte-kit", "SvelteKit build"],
  [".angular", "Angular cache"],
  [".docusaurus", "Docusaurus build"],
  [".turbo", "Turborepo cache"],
  [".parcel-cache", "Parcel cache"],
  [".gradle", "Gradle cache"],
  [".dart_tool", "Dart tool output"],
  ["storybook-static", "Storybook build"],
  ["__pycache__", "Python bytecode"],
]);

/** Folders of tool output only at the root. */
const ROOT_GENERATED_DIRS = new Map<string, string>([
  ["target", "Cargo and Maven output (a nested target/ is often a domain folder)"],
  ["_site", "Jekyll output"],
]);

/** File names of generated code, tested against the lower-cased base name. */
const GENERATED_FILES: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /\.min\.(?:js|mjs|cjs|css)$/, why: "minified bundles" },
  { pattern: /\.(?:bundle|chunk)\.(?:js|css)$/, why: "webpack bundles and chunks" },
  { pattern: /\.map$/, why: "source maps" },
  { pattern: /\.pb(?:\.gw)?\.go$/, why: "protoc-gen-go and grpc-gateway" },
  { pattern: /_pb2(?:_grpc)?\.pyi?$/, why: "protoc for Python" },
  { pattern: /\.pb\.(?:cc|h|swift)$/, why: "protoc for C++ and Swift" },
  { pattern: /_pb\.(?:js|d\.ts)$/, why: "protoc and grpc-tools for JavaScript" },
  {
    pattern: /\.(?:g|freezed|gr|mocks)\.dart$/,
    why: "build_runner: json_serializable, freezed, auto_route, mockito",
  },
  { pattern: /\.designer\.cs$|\.g\.(?:i\.)?cs$/, why: "WinForms designer and XAML code-behind" },
  { pattern: /^zz_generated\./, why: "Kubernetes code generators" },
  { pattern: /[._]generated\.[a-z0-9]+$/, why: "the common foo.generated.ts / foo_generated.go convention" },
  { pattern: /\.snap$/, why: "Jest and Vitest snapshots, written by the test runner" },
];

/** Dependency lock files, by lower-cased base name: machine-written, huge, and never what a user types. */
const LOCK_FILES = new Map<string, string>([
  ["package-lock.json", "npm"],
  ["npm-shrinkwrap.json", "npm"],
  ["yarn.lock", "Yarn"],
  ["pnpm-lock.yaml", "pnpm"],
  ["shrinkwrap.yaml", "pnpm (old)"],
  ["bun.lock", "Bun"],
  ["bun.lockb", "Bun (binary)"],
  ["deno.lock", "Deno"],
  ["cargo.lock", "Cargo"],
  ["poetry.lock", "Poetry"],
  ["pipfile.lock", "Pipenv"],
  ["pdm.lock", "PDM"],
  ["uv.lock", "uv"],
  ["pixi.lock", "pixi"],
  ["conda-lock.yml", "conda-lock"],
  ["requirements.lock", "Rye"],
  ["requirements-dev.lock", "Rye"],
  ["gemfile.lock", "Bundler"],
  ["go.sum", "Go modules"],
  ["go.work.sum", "Go workspaces"],
  ["gopkg.lock", "dep"],
  ["glide.lock", "Glide"],
  ["composer.lock", "Composer"],
  ["podfile.lock", "CocoaPods"],
  ["package.resolved", "Swift Package Manager"],
  ["cartfile.resolved", "Carthage"],
  ["pubspec.lock", "Dart pub"],
  ["mix.lock", "Elixir mix"],
  ["flake.lock", "Nix flakes"],
  ["gradle.lockfile", "Gradle"],
  ["packages.lock.json", "NuGet"],
  ["paket.lock", "Paket"],
  ["chart.lock", "Helm"],
  [".terraform.lock.hcl", "Terraform providers"],
  ["module.bazel.lock", "Bazel modules"],
]);

/** Extensions of files that are not text, so reading them is wasted work. The content check backs this up. */
const BINARY_EXTENSIONS = new Set([
  // raster images, icons and design files
  ...["png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "cur", "tif", "tiff", "webp", "avif", "heic", "psd"],
  ...["xcf", "sketch", "fig"],
  // fonts
  ...["ttf", "otf", "ttc", "woff", "woff2", "eot"],
  // archives and packages
  ...["zip", "tar", "gz", "tgz", "bz2", "xz", "7z", "rar", "zst", "lz4", "jar", "war", "ear", "apk", "aab"],
  ...["ipa", "deb", "rpm", "dmg", "iso", "msi", "nupkg", "whl", "egg", "gem", "crx", "vsix"],
  // audio and video
  ...["mp3", "wav", "ogg", "oga", "flac", "aac", "m4a", "opus", "mid", "midi", "mp4", "m4v", "mov", "avi"],
  ...["mkv", "webm", "wmv", "flv", "swf"],
  // office documents
  ...["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "epub"],
  // compiled code and native libraries
  ...["exe", "dll", "so", "dylib", "a", "lib", "o", "obj", "ko", "wasm", "pyc", "pyo", "pyd", "class"],
  ...["beam", "dex", "node"],
  // data, databases and model weights
  ...["sqlite", "sqlite3", "db", "mdb", "parquet", "feather", "arrow", "avro", "orc", "npy", "npz", "pkl"],
  ...["pickle", "pt", "pth", "ckpt", "onnx", "safetensors", "gguf", "h5", "hdf5", "tflite", "pb"],
  // 3D assets
  ...["glb", "fbx", "blend", "3ds", "unitypackage"],
]);

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
