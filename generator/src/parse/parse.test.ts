/**
 * One fixture per language (test/fixtures/languages/<lang>/): specific middles per span kind, a few
 * definitions and the imports, plus invariants every parse must keep.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SpanKind } from "../../../runtime/src/contracts/dataset.ts";
import { LANGUAGES } from "./languages.ts";
import { parseSource } from "./parse.ts";
import type { ParsedFile } from "./types.ts";

interface Case {
  file: string;
  middles: Partial<Record<SpanKind, string[]>>;
  /** Middles that must NOT be produced (cut inside a token, braces kept, comment included...). */
  notMiddles?: Partial<Record<SpanKind, string[]>>;
  definitions: Array<[name: string, kind: string]>;
  imports: string[];
}

const CASES: Record<string, Case> = {
  typescript: {
    file: "typescript/sample.ts",
    middles: {
      statement: [
        "const cached = this.entries.get(path);",
        // A class field takes the `;` that the grammar leaves outside it.
        "private readonly entries = new Map<string, Entry>();",
        "if (cached !== undefined) {\n      return cached;\n    }",
      ],
      block: [
        "return cached;",
        "return Math.min(Math.max(value, low), high);",
        "path: string;\n  size: number;",
        "console.log(clamp(i, 0, 10), double(i));",
      ],
      call_args: ['path, "utf8"', "Math.max(value, low), high", "value, low"],
      expression: [
        'await readFile(path, "utf8")',
        "cached !== undefined",
        "{ path, size: text.length }",
        "x * 2",
        "i < LIMIT",
      ],
      rest_of_line: ["this.entries.get(path);", "clamp(3, 0, 9);", "x * 2;"],
    },
    notMiddles: {
      // A declaration in a `for (...)` header is not a statement of its own.
      statement: ["let i = 0;"],
      block: ["{\n      return cached;\n    }"],
      call_args: ['(path, "utf8")'],
      rest_of_line: ["clamp(3, 0, 9); // tuned by hand", "`first line"],
    },
    definitions: [
      ["Entry", "interface"],
      ["Kind", "type"],
      ["FileCache", "class"],
      ["load", "method"],
      ["clamp", "function"],
      ["double", "function"],
      ["LIMIT", "variable"],
    ],
    imports: ["node:fs/promises", "./types.ts", "../util/helper.ts"],
  },
  tsx: {
    file: "tsx/sample.tsx",
    middles: {
      statement: ["const [count, setCount] = useState(0);"],
      block: ["label: string;"],
      call_args: ["count + 1", "0"],
      expression: ["() => setCount(count + 1)", "count", '<div className="empty" />'],
      rest_of_line: ["useState(0);", "setCount(count + 1);"],
    },
    definitions: [
      ["Props", "interface"],
      ["Counter", "function"],
      ["Empty", "function"],
    ],
    imports: ["react", "./button"],
  },
  javascript: {
    file: "javascript/sample.js",
    middles: {
      statement: ["this.prefix = prefix;", "let attempt = 0;", 'throw new Error("gave up after " + times);'],
      block: ["this.prefix = prefix;", "attempt += 1;", "return fn();"],
      call_args: ['path.join("logs", "app.log"), line + "\\n"', '"logs", "app.log"'],
      // JSX parses with the javascript grammar.
      expression: [
        "format(this.prefix, message)",
        "attempt < times",
        '<span className="name">{name}</span>',
        "name",
      ],
      rest_of_line: ["format(this.prefix, message);", 'require("fs");'],
    },
    definitions: [
      ["Logger", "class"],
      ["log", "method"],
      ["retry", "function"],
      ["render", "function"],
      ["fs", "variable"],
    ],
    imports: ["node:path", "fs", "./format.js"],
  },
  python: {
    file: "python/sample.py",
    middles: {
      statement: [
        "self.items[key] = value",
        "return target",
        'with open(target, "w") as f:\n            js.dump(value, f, indent=2)',
      ],
      block: [
        "self.root = root\n        self.items = OrderedDict()",
        "self.items.popitem(last=False)",
        "result += helper(v)",
      ],
      call_args: ['self.root, key + ".json"', "last=False", "value, f, indent=2"],
      expression: [
        'os.path.join(self.root, key + ".json")',
        "len(self.items) >= MAX_SIZE",
        "helper(v)",
        "False",
      ],
      rest_of_line: [
        'os.path.join(self.root, key + ".json")',
        "total([1, 2])",
        "len(self.items) >= MAX_SIZE:",
      ],
    },
    notMiddles: {
      rest_of_line: ["total([1, 2])  # tuned by hand", '"""first line'],
    },
    definitions: [
      ["Store", "class"],
      ["__init__", "method"],
      ["save", "method"],
      ["total", "function"],
      ["MAX_SIZE", "constant"],
    ],
    imports: ["os.path", "json", "collections", ".util"],
  },
  go: {
    file: "go/sample.go",
    middles: {
      statement: [
        "parts := make([]string, 0, len(shapes))",
        'return strings.Join(parts, ", ")',
        "fmt.Fprintln(os.Stderr, len(parts))",
      ],
      block: [
        "return r.W * r.H",
        'parts = append(parts, fmt.Sprintf("%.2f", s.Area()))',
        "W, H float64",
        "Area() float64",
      ],
      call_args: ["[]string, 0, len(shapes)", '"%.2f", s.Area()'],
      expression: ["make([]string, 0, len(shapes))", "s.Area() > 0", "shapes", "r.W * r.H"],
      rest_of_line: ['strings.Join(parts, ", ")', 'append(parts, fmt.Sprintf("%.2f", s.Area()))'],
    },
    definitions: [
      ["Shape", "interface"],
      ["Rect", "class"],
      ["Area", "method"],
      ["Describe", "function"],
      ["Pi", "constant"],
    ],
    imports: ["fmt", "strings", "os"],
  },
  rust: {
    file: "rust/sample.rs",
    middles: {
      statement: [
        "let entry = self.counts.entry(word.to_string()).or_insert(0);",
        "*entry += 1;",
        "*entry",
        "Ok(())",
      ],
      block: [
        "Counter { counts: HashMap::new() }",
        'println!("too many: {}", word);',
        "counts: HashMap<String, usize>,",
      ],
      call_args: ["word.to_string()", '"too many: {}", word'],
      expression: ["self.counts.entry(word.to_string()).or_insert(0)", "*entry > LIMIT", "Counter::new()"],
      rest_of_line: ["Counter::new();", "self.counts.entry(word.to_string()).or_insert(0);"],
    },
    definitions: [
      ["Counter", "class"],
      ["Report", "interface"],
      ["report", "method"],
      ["Mode", "type"],
      ["new", "method"],
      ["add", "method"],
      ["main", "function"],
      ["LIMIT", "constant"],
    ],
    imports: ["std::collections", "std::io", "crate::config"],
  },
  java: {
    file: "java/Sample.java",
    middles: {
      statement: [
        "int total = 0;",
        "names.add(first);",
        "return total;",
        "private final List<String> names = new ArrayList<>();",
        "acc += values[i];",
      ],
      block: ["names.add(first);", "total += 1;", "void visit(String name);"],
      call_args: ["first", "prefix"],
      expression: ["new ArrayList<>()", "name.startsWith(prefix)", "names", "i < values.length"],
      rest_of_line: ["new ArrayList<>();", "name.startsWith(prefix)) {"],
    },
    notMiddles: { statement: ["int i = 0;"] },
    definitions: [
      ["Sample", "class"],
      ["count", "method"],
      ["Visitor", "interface"],
      ["names", "variable"],
      ["sum", "method"],
    ],
    imports: ["java.util.ArrayList", "java.util.List"],
  },
  c: {
    file: "c/sample.c",
    middles: {
      statement: ["int total = 0;", "int result = sum(values, 3);", "return 0;"],
      block: ["total += values[i];", "int x;\n    int y;", 'printf("big: %d\\n", result);'],
      call_args: ["values, 3", '"big: %d\\n", result'],
      expression: ["sum(values, 3)", "result > 5", "i < n", "{1, 2, 3}"],
      rest_of_line: ["sum(values, 3);"],
    },
    notMiddles: { statement: ["int i = 0;"] },
    definitions: [
      ["sum", "function"],
      ["main", "function"],
      ["point", "class"],
      ["MAX", "constant"],
    ],
    imports: ["stdio.h", "util.h"],
  },
  cpp: {
    file: "cpp/sample.cpp",
    middles: {
      statement: ["double total = 0.0;", "circles.emplace_back(2.0);", "double radius_;"],
      block: ["return 3.14159 * radius_ * radius_;", "total += c.area();"],
      call_args: ["2.0", "circles"],
      expression: ["geo::total_area(circles)", "total > 10.0", "circles"],
      rest_of_line: ["geo::total_area(circles);"],
    },
    definitions: [
      ["geo", "module"],
      ["Circle", "class"],
      ["area", "method"],
      ["total_area", "function"],
      ["main", "function"],
    ],
    imports: ["vector", "string", "shape.hpp"],
  },
  c_sharp: {
    file: "c_sharp/Sample.cs",
    middles: {
      statement: [
        "seen.Add(name);",
        'var message = string.Format("Hello, {0}!", name);',
        "private readonly List<string> seen = new List<string>();",
      ],
      block: ['Console.WriteLine("busy");', "string Greet(string name);"],
      call_args: ['"Hello, {0}!", name', "name"],
      expression: ['string.Format("Hello, {0}!", name)', "seen.Count > 3", "new List<string>()"],
      rest_of_line: ['string.Format("Hello, {0}!", name);'],
    },
    definitions: [
      ["Example", "module"],
      ["IGreeter", "interface"],
      ["Greeter", "class"],
      ["Greet", "method"],
    ],
    imports: ["System", "System.Collections.Generic"],
  },
  ruby: {
    file: "ruby/sample.rb",
    middles: {
      statement: [
        "@owner = owner",
        'if @items.size > 10\n        puts format("large cart for %s", @owner)\n      end',
        "total = cart.items.sum { |i| i[:qty] }",
        "self",
      ],
      block: [
        "@owner = owner\n      @items = []",
        'puts format("large cart for %s", @owner)',
        "JSON.generate(items: @items)",
        "i[:qty]",
      ],
      call_args: ['"large cart for %s", @owner', "items: @items"],
      expression: ["@items.size > 10", "cart.items.sum { |i| i[:qty] }", "[]"],
      rest_of_line: ["cart.items.sum { |i| i[:qty] }", "generate(items: @items)"],
    },
    notMiddles: { block: ["def to_json\n      JSON.generate(items: @items)\n    end"] },
    definitions: [
      ["Shop", "module"],
      ["Cart", "class"],
      ["initialize", "method"],
      ["add", "method"],
      ["checkout", "function"],
    ],
    imports: ["json", "lib/helper"],
  },
  php: {
    file: "php/sample.php",
    middles: {
      statement: ["$this->first = $first;", "return $upper;", "private $first;"],
      block: ["$this->first = $first;", "return substr($upper, 0, 20);", "public function name(): string;"],
      call_args: ["$upper, 0, 20", "$this->first"],
      expression: ["Str::upper($this->first)", "strlen($upper) > 20", "$upper"],
      rest_of_line: ["Str::upper($this->first);"],
    },
    definitions: [
      ["App\\Models", "module"],
      ["Named", "interface"],
      ["User", "class"],
      ["name", "method"],
      ["greet", "function"],
    ],
    imports: ["App\\Support\\Str", "App\\Contracts", "helpers.php"],
  },
};

const FIXTURES = new URL("../../../test/fixtures/languages/", import.meta.url);

function middles(parsed: ParsedFile, source: string, kind: SpanKind): string[] {
  return parsed.spans.filter((s) => s.kind === kind).map((s) => source.slice(s.start, s.end));
}

it("every registered language has a fixture case", () => {
  expect(Object.keys(CASES).sort()).toEqual(LANGUAGES.map((l) => l.id).sort());
});

describe.each(Object.entries(CASES))("%s", (language, c) => {
  const source = readFileSync(new URL(c.file, FIXTURES), "utf8");
  const parsed = parseSource(source, language);

  it("parses without errors", async () => {
    const result = await parsed;
    expect(result.language).toBe(language);
    expect(result.errorCount).toBe(0);
  });

  it.each(Object.entries(c.middles))("finds the expected %s middles", async (kind, expected) => {
    const found = middles(await parsed, source, kind as SpanKind);
    for (const text of expected ?? []) expect(found).toContain(text);
  });

  it("does not cut the wrong middles", async () => {
    const result = await parsed;
    for (const [kind, unwanted] of Object.entries(c.notMiddles ?? {})) {
      const found = middles(result, source, kind as SpanKind);
      for (const text of unwanted ?? []) {
        expect(found.filter((f) => f === text || (kind === "rest_of_line" && f.startsWith(text)))).toEqual(
          [],
        );
      }
    }
    // Argument lists are insides: the delimiters stay in the prefix and suffix (Ruby may have none).
    if (language !== "ruby") {
      for (const span of result.spans.filter((s) => s.kind === "call_args")) {
        expect(source.slice(0, span.start).trimEnd().slice(-1)).toMatch(/[([{]/);
        expect(source.slice(span.end).trimStart()[0]).toMatch(/[)\]}]/);
      }
    }
  });

  it("finds the definitions", async () => {
    const found = (await parsed).definitions.map((d) => [d.name, d.kind]);
    for (const definition of c.definitions) expect(found).toContainEqual(definition);
    expect(found.map(([name]) => name)).not.toContain("constructor");
  });

  it("finds the imports, in order", async () => {
    expect((await parsed).imports).toEqual(c.imports);
  });

  it("keeps the span invariants", async () => {
    const { spans, definitions } = await parsed;
    expect(spans.length).toBeGreaterThan(10);
    for (const [i, span] of spans.entries()) {
      const text = source.slice(span.start, span.end);
      expect(text.length).toBeGreaterThan(0);
      expect(text.trim()).toBe(text);
      expect(text.split("\n").length).toBeLessThanOrEqual(60);
      const previous = spans[i - 1];
      if (previous !== undefined) {
        // Sorted by (start, end, kind) with no duplicates.
        const order = previous.start - span.start || previous.end - span.end;
        expect(order < 0 || (order === 0 && previous.kind !== span.kind)).toBe(true);
      }
      if (span.kind === "rest_of_line") {
        // It runs to the end of its line, less a trailing comment.
        const lineEnd = source.indexOf("\n", span.end);
        const after = source.slice(span.end, lineEnd === -1 ? undefined : lineEnd).trim();
        expect(text).not.toContain("\n");
        expect(after).toMatch(/^$|^(\/\/|#|\/\*)/);
      }
    }
    for (const d of definitions) expect(source.slice(d.start, d.end)).toContain(d.name);
  });
});
