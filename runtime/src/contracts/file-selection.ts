/**
 * Which files of a repository are code a developer types, as data shared by the generator's file selection
 * (generator/src/select/, generator/src/secrets/, generator/src/dataset/snapshot.ts) and the extension's retrieval
 * index (extension/src/core/workspace-files.ts): one line per rule with why. Names are lower case; callers
 * lower-case paths before lookup, because macOS and Windows checkouts treat Vendor/ and vendor/ alike.
 */

export interface PathRule {
  pattern: RegExp;
  why: string;
}

export const SECRET_FILE_RULES: readonly PathRule[] = [
  {
    pattern: /(?:^|\/)\.env(?:\.[^/]*)?$/,
    why: "dotenv files; .env.example too, because copies filled with real values get committed under that name",
  },
  { pattern: /(?:^|\/)\.envrc$/, why: "direnv scripts export the same variables as .env" },
  {
    pattern: /\.(?:pem|key|p8|ppk)$/,
    why: "PEM, PKCS#8 and PuTTY keys; a .pem may be a certificate, but keys hide under that name too",
  },
  { pattern: /\.(?:p12|pfx|jks|keystore|kdbx)$/, why: "PKCS#12, Java keystores and KeePass databases" },
  {
    pattern: /(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)[^/]*$/,
    why: "SSH keys; .pub files too, as they sit beside the private half",
  },
  {
    pattern: /(?:^|\/)(?:\.npmrc|\.pypirc|\.netrc|_netrc|\.htpasswd|\.pgpass|\.git-credentials)$/,
    why: "registry, FTP, database and git tokens or password hashes",
  },
  {
    pattern: /(?:^|\/)credentials[^/]*$/,
    why: "credentials files of any extension, including ~/.aws/credentials",
  },
  {
    pattern: /(?:^|\/)\.aws\/credentials$/,
    why: "AWS CLI keys (also caught above; listed so the table says so)",
  },
  {
    pattern: /secret[^/]*\.(?:json|ya?ml|toml)$/,
    why: "Kubernetes Secrets, OAuth client_secret.json, Streamlit secrets.toml",
  },
  { pattern: /(?:^|\/)service[-_]?account[^/]*\.json$/, why: "Google Cloud service-account keys" },
  { pattern: /(?:^|\/)\.docker\/config\.json$/, why: "Docker registry auth" },
  { pattern: /\.tfvars(?:\.json)?$/, why: "Terraform variables are where provider credentials go" },
  { pattern: /\.tfstate(?:\.backup)?$/, why: "Terraform state stores every resource's secrets in clear" },
];

/** True when the file at `path` (repo-relative, POSIX) must never be read into training data. */
export function isSecretPath(path: string): boolean {
  const lower = path.toLowerCase();
  return SECRET_FILE_RULES.some((rule) => rule.pattern.test(lower));
}

/** Folders of third-party code, matched at any depth (monorepos vendor per package). */
export const VENDORED_DIRS = new Map<string, string>([
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
export const ROOT_VENDORED_DIRS = new Map<string, string>([
  ["deps", "Elixir mix and C dependency checkouts (src/deps/ is as likely a dependency-graph module)"],
]);

/** Folders of tool output, matched at any depth. */
export const GENERATED_DIRS = new Map<string, string>([
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
export const ROOT_GENERATED_DIRS = new Map<string, string>([
  ["target", "Cargo and Maven output (a nested target/ is often a domain folder)"],
  ["_site", "Jekyll output"],
]);

/** File names of generated code, tested against the lower-cased base name. */
export const GENERATED_FILES: readonly PathRule[] = [
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
export const LOCK_FILES = new Map<string, string>([
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
export const BINARY_EXTENSIONS = new Set([
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

/** File kinds that are data, not code a developer completes. */
export const DATA_EXTENSIONS = new Set([
  ...["json", "csv", "tsv", "xml", "svg", "txt", "log", "ipynb", "lock", "sum"],
  // git and tool metadata files, whose whole name is the "extension"
  ...[
    "gitmodules",
    "gitattributes",
    "gitignore",
    "npmignore",
    "dockerignore",
    "prettierignore",
    "eslintignore",
  ],
]);

/** Markers that tools write into the files they generate. */
export const GENERATED_MARKERS: readonly PathRule[] = [
  { pattern: /@generated\b/, why: "Meta's convention (Relay, Hack, Buck)" },
  {
    pattern: /\bdo not edit\b/i,
    why: "Go's `// Code generated … DO NOT EDIT.`, protoc, Thrift, many codegen tools",
  },
  {
    pattern: /\bauto-?generated\b/i,
    why: "C#'s `<auto-generated>`, \"Autogenerated by Thrift\", generators' prose",
  },
  { pattern: /\bautomatically generated\b/i, why: "SWIG, Sphinx, autoconf" },
];
export const ANY_GENERATED_MARKER = new RegExp(
  GENERATED_MARKERS.map((marker) => marker.pattern.source).join("|"),
  "i",
);

/** Lines that start as a comment (or a docstring) in the languages we read. */
export const COMMENT_LEADER = /^\s*(?:\/\/|\/\*|\*|#|--|;|<!--|%|"""|'''|\{-|\(\*)/;

/** Prose keeps one paragraph per line, so a long average line length says nothing about these. */
export const PROSE_EXTENSIONS = new Set(["md", "markdown", "mdx", "txt", "rst", "adoc", "org"]);
