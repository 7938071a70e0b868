import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectLanguage, grammarFiles, LANGUAGES } from "./languages.ts";

describe("detectLanguage", () => {
  it.each([
    ["src/app.ts", "typescript"],
    ["lib/x.d.ts", "typescript"],
    ["a/b.mts", "typescript"],
    ["ui/App.tsx", "tsx"],
    ["index.js", "javascript"],
    ["view.jsx", "javascript"],
    ["tool.cjs", "javascript"],
    ["pkg/mod.py", "python"],
    ["SCRIPT.PY", "python"],
    ["main.go", "go"],
    ["src/lib.rs", "rust"],
    ["A.java", "java"],
    ["x.c", "c"],
    ["x.h", "c"],
    ["x.cpp", "cpp"],
    ["x.hpp", "cpp"],
    ["P.cs", "c_sharp"],
    ["app/models/user.rb", "ruby"],
    ["Rakefile", "ruby"],
    ["Gemfile", "ruby"],
    ["index.php", "php"],
  ])("%s is %s", (path, language) => {
    expect(detectLanguage(path)).toBe(language);
  });

  it.each(["README.md", "Makefile", "data.json", "notes", ".gitignore", "a.ts.orig"])(
    "%s has no grammar",
    (path) => {
      expect(detectLanguage(path)).toBeNull();
    },
  );

  it("reads a shebang when the name says nothing", () => {
    expect(detectLanguage("bin/tool", "#!/usr/bin/env python3")).toBe("python");
    expect(detectLanguage("bin/tool", "#!/usr/bin/python3.11 -u")).toBe("python");
    expect(detectLanguage("bin/tool", "#!/usr/bin/env -S node --experimental")).toBe("javascript");
    expect(detectLanguage("bin/tool", "#!/bin/sh")).toBeNull();
    expect(detectLanguage("bin/tool", "print('no shebang')")).toBeNull();
    // The extension wins over the shebang.
    expect(detectLanguage("bin/tool.rb", "#!/usr/bin/env python3")).toBe("ruby");
  });
});

describe("grammar files", () => {
  it.each(LANGUAGES.map((l) => l.id))("%s has its wasm and both queries under grammars/", (id) => {
    const files = grammarFiles(id);
    expect(existsSync(files.wasm)).toBe(true);
    expect(existsSync(files.spans)).toBe(true);
    expect(existsSync(files.tags)).toBe(true);
  });
});
