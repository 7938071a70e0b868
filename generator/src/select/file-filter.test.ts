import { describe, expect, it } from "vitest";
import { isRepoLoraError } from "../util/errors.ts";
import { createFileFilter, DEFAULT_MAX_FILE_BYTES, SKIP_REASONS, type SkipReason } from "./index.ts";

/** Reasons only the caller can decide, from git's file modes and the chosen subdirectory. */
const CALLER_REASONS: readonly SkipReason[] = ["symlink", "submodule", "outside_subdir"];

const REPOLORAIGNORE = ["# ours", "docs/api/", "*.fixture.ts", "!keep.fixture.ts", "!tools/build/**"].join(
  "\n",
);

interface PathCase {
  description: string;
  path: string;
  size?: number;
  /** The skip reason, or null to read the file. */
  expected: SkipReason | null;
}

const pathCases: PathCase[] = [
  // kept
  { description: "TypeScript entry point", path: "src/index.ts", expected: null },
  { description: "a module named env", path: "lib/env.ts", expected: null },
  { description: "environment config in Python", path: "config/environment.py", expected: null },
  { description: "token definitions", path: "tokens.ts", expected: null },
  { description: "a nested deps/ folder is source", path: "src/deps/graph.ts", expected: null },
  { description: "a nested target/ folder is source", path: "src/commands/target/run.go", expected: null },
  { description: "a type declaration file", path: "types/global.d.ts", expected: null },
  { description: "an SVG is text", path: "assets/logo.svg", expected: null },
  {
    description: "a file at the size limit",
    path: "src/big.ts",
    size: DEFAULT_MAX_FILE_BYTES,
    expected: null,
  },
  { description: ".repoloraignore negation", path: "src/keep.fixture.ts", expected: null },
  {
    description: ".repoloraignore negation overrides a built-in rule",
    path: "tools/build/gulpfile.ts",
    expected: null,
  },
  // secret_file
  { description: "dotenv", path: "api/.env.production", expected: "secret_file" },
  { description: "private key", path: "certs/server.key", expected: "secret_file" },
  { description: "secret file even when un-ignored", path: "tools/build/.env", expected: "secret_file" },
  // ignored
  { description: ".repoloraignore folder", path: "docs/api/index.ts", expected: "ignored" },
  { description: ".repoloraignore glob, any case", path: "test/Users.Fixture.ts", expected: "ignored" },
  // vendored
  { description: "node_modules", path: "node_modules/react/index.js", expected: "vendored" },
  { description: "nested vendor", path: "services/api/vendor/github.com/x/y.go", expected: "vendored" },
  { description: "third_party", path: "third_party/zlib/inflate.c", expected: "vendored" },
  {
    description: "CocoaPods, any case",
    path: "ios/Pods/Alamofire/Source/Session.swift",
    expected: "vendored",
  },
  { description: "Yarn Berry", path: ".yarn/releases/yarn-4.1.0.cjs", expected: "vendored" },
  { description: "root deps/", path: "deps/phoenix/lib/phoenix.ex", expected: "vendored" },
  { description: "bower_components", path: "bower_components/jquery/jquery.js", expected: "vendored" },
  { description: "external", path: "external/glfw/src/window.c", expected: "vendored" },
  // generated
  { description: "dist/", path: "packages/ui/dist/index.js", expected: "generated" },
  { description: "build/", path: "build/lib/module.py", expected: "generated" },
  { description: "out/", path: "out/extension.js", expected: "generated" },
  { description: "minified JS", path: "public/js/app.min.js", expected: "generated" },
  { description: "bundle", path: "static/main.bundle.js", expected: "generated" },
  { description: "Go protobuf", path: "api/v1/user.pb.go", expected: "generated" },
  { description: "Python protobuf", path: "proto/user_pb2.py", expected: "generated" },
  { description: "Dart build_runner", path: "lib/models/user.g.dart", expected: "generated" },
  { description: "__generated__", path: "src/__generated__/Query.graphql.ts", expected: "generated" },
  { description: "coverage", path: "coverage/lcov-report/index.html", expected: "generated" },
  { description: "source map", path: "lib/index.js.map", expected: "generated" },
  { description: "root target/", path: "target/debug/build.rs", expected: "generated" },
  { description: "Jest snapshot", path: "src/__snapshots__/App.test.tsx.snap", expected: "generated" },
  // lock
  { description: "npm lock", path: "package-lock.json", expected: "lock" },
  { description: "Yarn lock in a workspace", path: "apps/web/yarn.lock", expected: "lock" },
  { description: "pnpm lock", path: "pnpm-lock.yaml", expected: "lock" },
  { description: "Cargo lock, any case", path: "Cargo.lock", expected: "lock" },
  { description: "Poetry lock", path: "poetry.lock", expected: "lock" },
  { description: "Bundler lock", path: "Gemfile.lock", expected: "lock" },
  { description: "Go sums", path: "go.sum", expected: "lock" },
  { description: "Composer lock", path: "composer.lock", expected: "lock" },
  { description: "uv lock", path: "uv.lock", expected: "lock" },
  // binary
  { description: "image", path: "docs/screenshot.PNG", expected: "binary" },
  { description: "font", path: "assets/fonts/Inter.woff2", expected: "binary" },
  { description: "archive", path: "fixtures/sample.tar.gz", expected: "binary" },
  { description: "WebAssembly", path: "grammars/tree-sitter-go.wasm", expected: "binary" },
  { description: "PDF", path: "docs/spec.pdf", expected: "binary" },
  { description: "shared library", path: "lib/libfoo.so", expected: "binary" },
  { description: "Python bytecode", path: "pkg/mod.pyc", expected: "binary" },
  { description: "Java archive", path: "gradle/wrapper/gradle-wrapper.jar", expected: "binary" },
  // too_large
  {
    description: "over the size limit",
    path: "src/huge.ts",
    size: DEFAULT_MAX_FILE_BYTES + 1,
    expected: "too_large",
  },
];

interface ContentCase {
  description: string;
  path: string;
  content: string | Uint8Array;
  /** The skip reason, or "keep" when the text comes back. */
  expected: SkipReason | "keep";
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const code = "export function add(a: number, b: number): number {\n  return a + b;\n}\n";
const minifiedLine = `!function(e){${"var a=1,b=2;".repeat(200)}}(window);`;

const contentCases: ContentCase[] = [
  // kept
  { description: "ordinary code", path: "src/index.ts", content: code, expected: "keep" },
  {
    description: "a generator's source that prints a marker",
    path: "gen/main.go",
    content: `package main\n\nconst header = "// Code generated by gen. DO NOT EDIT."\n`,
    expected: "keep",
  },
  {
    description: "a marker below the header lines",
    path: "src/late.ts",
    content: `${"// line\n".repeat(25)}// DO NOT EDIT\n${code}`,
    expected: "keep",
  },
  {
    description: "one long line among many normal ones",
    path: "src/table.ts",
    content: `${code.repeat(60)}export const DATA = "${"x".repeat(2000)}";\n`,
    expected: "keep",
  },
  {
    description: "prose with one paragraph per line",
    path: "README.md",
    content: `# Title\n\n${`${"Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(12)}\n\n`.repeat(10)}`,
    expected: "keep",
  },
  // binary
  {
    description: "NUL byte",
    path: "data/blob.txt",
    content: new Uint8Array([0x68, 0x69, 0x00, 0x21]),
    expected: "binary",
  },
  {
    description: "UTF-16 text (NULs between ASCII bytes)",
    path: "win/readme.txt",
    content: new Uint8Array([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00]),
    expected: "binary",
  },
  // non_utf8
  {
    description: "Latin-1 text",
    path: "legacy/caf\u00e9.c",
    content: new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
    expected: "non_utf8",
  },
  {
    description: "truncated UTF-8 sequence",
    path: "src/x.ts",
    content: new Uint8Array([0x61, 0xe2, 0x82]),
    expected: "non_utf8",
  },
  // empty
  { description: "empty file", path: "src/__init__.py", content: new Uint8Array(), expected: "empty" },
  { description: "whitespace only", path: "src/blank.ts", content: " \n\t\r\n  \n", expected: "empty" },
  {
    description: "a BOM and nothing else",
    path: "src/bom.ts",
    content: new Uint8Array([0xef, 0xbb, 0xbf]),
    expected: "empty",
  },
  // generated
  {
    description: "Go's generated marker",
    path: "api/user_string.go",
    content: `// Code generated by "stringer -type=User"; DO NOT EDIT.\n\npackage api\n`,
    expected: "generated",
  },
  {
    description: "@generated in a doc comment under a licence",
    path: "src/relay/Query.ts",
    content: `/**\n * Copyright (c) Meta.\n *\n * @generated SignedSource<<abc>>\n */\n${code}`,
    expected: "generated",
  },
  {
    description: "C# auto-generated tag",
    path: "Properties/Resources.cs",
    content: `//------------------------------------------------------------------------------\n// <auto-generated>\n//     This code was generated by a tool.\n// </auto-generated>\nnamespace App {}\n`,
    expected: "generated",
  },
  {
    description: "autogenerated, in a Python docstring",
    path: "client/models.py",
    content: `"""Autogenerated by openapi-generator."""\nclass User:\n    pass\n`,
    expected: "generated",
  },
  {
    description: "marker inside an unindented block comment",
    path: "src/parser.c",
    content: `/*\n  This file was automatically generated by Bison.\n*/\nint yyparse(void);\n`,
    expected: "generated",
  },
  // minified
  { description: "one huge line", path: "public/vendor.js", content: minifiedLine, expected: "minified" },
  {
    description: "a huge line under a licence banner",
    path: "static/lib.js",
    content: `/*!\n * lib v1.0.0\n * (c) 2024 Someone\n * MIT licence\n */\n${minifiedLine}\n`,
    expected: "minified",
  },
  {
    description: "long average line length",
    path: "assets/data.css",
    content: `${".a{color:red;margin:0;padding:0;border:0}".repeat(8)}\n`.repeat(20),
    expected: "minified",
  },
];

describe("classifyPath", () => {
  const filter = createFileFilter({ repoloraIgnore: REPOLORAIGNORE });

  it.each(pathCases)("$description: $path → $expected", ({ path, size, expected }) => {
    expect(filter.classifyPath(path, size ?? 1000)?.reason ?? null).toBe(expected);
  });

  it("honours maxFileBytes", () => {
    const small = createFileFilter({ maxFileBytes: 100 });
    expect(small.classifyPath("src/a.ts", 100)).toBeNull();
    expect(small.classifyPath("src/a.ts", 101)).toEqual({ reason: "too_large" });
  });

  it("works without a .repoloraignore", () => {
    expect(createFileFilter().classifyPath("src/index.ts", 10)).toBeNull();
    expect(createFileFilter({ repoloraIgnore: "  \n" }).classifyPath("docs/api/index.ts", 10)).toBeNull();
  });

  it("rejects limits that are not positive integers, naming the field", () => {
    for (const options of [{ maxFileBytes: 0 }, { maxLineLength: 1.5 }, { maxFileBytes: Number.NaN }]) {
      const field = Object.keys(options)[0];
      expect(() => createFileFilter(options)).toThrow(new RegExp(`^${field} must be a positive integer`));
      try {
        createFileFilter(options);
      } catch (error) {
        expect(isRepoLoraError(error) && error.code).toBe("BAD_ARGUMENT");
      }
    }
  });
});

describe("classifyContent", () => {
  const filter = createFileFilter();

  it.each(contentCases)("$description → $expected", ({ path, content, expected }) => {
    const bytes = typeof content === "string" ? utf8(content) : content;
    const result = filter.classifyContent(path, bytes);
    expect("reason" in result ? result.reason : "keep").toBe(expected);
  });

  it("returns the decoded text without its BOM", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("const caf\u00e9 = 1;\n")]);
    expect(filter.classifyContent("src/a.ts", bytes)).toEqual({ text: "const caf\u00e9 = 1;\n" });
  });

  it("decodes again after refusing a file", () => {
    expect(filter.classifyContent("a.c", new Uint8Array([0xe9]))).toEqual({ reason: "non_utf8" });
    expect(filter.classifyContent("b.ts", utf8(code))).toEqual({ text: code });
  });

  it("honours maxLineLength", () => {
    const line = `const x = "${"y".repeat(150)}";\n`;
    expect("reason" in createFileFilter().classifyContent("a.ts", utf8(line))).toBe(false);
    expect(createFileFilter({ maxLineLength: 100 }).classifyContent("a.ts", utf8(line))).toEqual({
      reason: "minified",
    });
  });
});

describe("skip reasons", () => {
  it("are each produced by at least one case, apart from those the caller decides", () => {
    const produced = new Set<string>([
      ...pathCases.map((c) => c.expected ?? "keep"),
      ...contentCases.map((c) => c.expected),
    ]);
    const missing = SKIP_REASONS.filter(
      (reason) => !CALLER_REASONS.includes(reason) && !produced.has(reason),
    );
    expect(missing).toEqual([]);
  });
});
