/**
 * Stop rules and post-processing as a table, run the way the engine runs them: the model's output arrives a
 * piece at a time (here one character at a time), findStop is asked after each piece, and the text is cut where
 * it first fires; then finishCompletion. `█` marks the cursor in `file`.
 */
import { describe, expect, it } from "vitest";
import { finishCompletion } from "../prompt/postprocess.ts";
import { byteTokenizerJson } from "../testing/random-model.ts";
import { findStop, indentation, stopSpecFor, type TextStopReason } from "./stop-rules.ts";
import { CompletionStopper } from "./stopper.ts";

const STOPS = ["<|endoftext|>", "<|file_sep|>", "<|fim_prefix|>"];

interface Case {
  description: string;
  file: string;
  multiline: boolean;
  modelOutput: string;
  expected: string;
  /** null: no rule fired (the model stopped by itself or hit max tokens). */
  reason: TextStopReason | null;
}

const CASES: Case[] = [
  // single line
  {
    description: "single-line: ends at the first newline",
    file: "const total = █\n",
    multiline: false,
    modelOutput: "a + b;\nconsole.log(total);\n",
    expected: "a + b;",
    reason: "end-of-line",
  },
  {
    description: "single-line: a leading newline gives an empty completion",
    file: "function f() {█\n}\n",
    multiline: false,
    modelOutput: "\n  return 1;\n",
    expected: "",
    reason: "end-of-line",
  },
  {
    description: "single-line: no newline, the whole output (trailing spaces dropped)",
    file: "let x = █",
    multiline: false,
    modelOutput: "42;   ",
    expected: "42;",
    reason: null,
  },
  {
    description: "single-line: a stop string in the text ends it",
    file: "x = █\n",
    multiline: false,
    modelOutput: "1<|file_sep|>other.py\n",
    expected: "1",
    reason: "stop-token",
  },
  {
    description: "overlap: a closing paren the suffix already has is dropped",
    file: "print(█)\n",
    multiline: false,
    modelOutput: "a, b)\n",
    expected: "a, b",
    reason: "end-of-line",
  },
  {
    description: "overlap: a balanced call before the suffix's paren is kept whole",
    file: "print(█)\n",
    multiline: false,
    modelOutput: "len(xs))",
    expected: "len(xs)",
    reason: null,
  },
  {
    description: "overlap: balanced text ending like the suffix stays",
    file: "outer(█)\n",
    multiline: false,
    modelOutput: "inner(1)",
    expected: "inner(1)",
    reason: null,
  },
  {
    description: "overlap: a closing quote and paren the suffix has are dropped",
    file: 'open("█")\n',
    multiline: false,
    modelOutput: 'data.txt")\n',
    expected: "data.txt",
    reason: "end-of-line",
  },
  {
    description: "overlap: a long repeated tail is dropped even when balanced",
    file: "const v = █ ?? fallback;\n",
    multiline: false,
    modelOutput: "options.value ?? fallback;\n",
    expected: "options.value",
    reason: "end-of-line",
  },
  // multi-line: dedent
  {
    description: "block: a line dedented below the cursor line ends it (the enclosing `}`)",
    file: "function f(xs) {\n  █\n}\n",
    multiline: true,
    modelOutput: "const n = xs.length;\n  return n * 2;\n}\n\nfunction g() {}\n",
    expected: "const n = xs.length;\n  return n * 2;",
    reason: "end-of-block",
  },
  {
    description: "block: fires as soon as the dedented line's first character arrives",
    file: "if x:\n    █",
    multiline: true,
    modelOutput: "y = 1\nz",
    expected: "y = 1",
    reason: "end-of-block",
  },
  {
    description:
      "block: the cursor opens a block; the body and its closing brace are kept, the next function is not",
    file: "function f() {█",
    multiline: true,
    modelOutput: "\n  if (a) {\n    b();\n  }\n  return 1;\n}\n\nfunction g() {\n",
    expected: "\n  if (a) {\n    b();\n  }\n  return 1;\n}",
    reason: "end-of-block",
  },
  {
    description: "block: python body with a blank line inside continues; the next top-level def ends it",
    file: "def f(x):█",
    multiline: true,
    modelOutput: "\n    y = x + 1\n\n    return y\n\n\ndef g():\n    pass\n",
    expected: "\n    y = x + 1\n\n    return y",
    reason: "end-of-block",
  },
  {
    description: "paragraph: inside a body, a blank line then a line at the cursor's level ends it",
    file: "def f(x):\n    █",
    multiline: true,
    modelOutput: "a = 1\n    b = 2\n\n    c = 3\n",
    expected: "a = 1\n    b = 2",
    reason: "end-of-block",
  },
  {
    description: "suffix: a line equal to the suffix's next line ends it (no duplicated closing brace)",
    file: "function f() {█\n}\n",
    multiline: true,
    modelOutput: "\n  return 1;\n}\n",
    expected: "\n  return 1;",
    reason: "end-of-block",
  },
  {
    description: "suffix: a deeper-indented `}` is not the suffix's `}`",
    file: "function f() {█\n}\n",
    multiline: true,
    modelOutput: "\n  if (a) {\n    b();\n  }\n}\n",
    expected: "\n  if (a) {\n    b();\n  }",
    reason: "end-of-block",
  },
  {
    description: "tabs count as four columns",
    file: "\tif (a) {\n\t\t█\n\t}\n",
    multiline: true,
    modelOutput: "run();\n\t\tdone();\n\t}\n",
    expected: "run();\n\t\tdone();",
    reason: "end-of-block",
  },
  {
    description: "multi-line: max tokens reached with no rule fired, trailing blank lines dropped",
    file: "class A:\n    █",
    multiline: true,
    modelOutput: "def m(self):\n        return 1\n\n",
    expected: "def m(self):\n        return 1",
    reason: null,
  },
];

/** Streams `output` a character at a time through findStop, like the engine does token by token. */
function runScripted(c: Case): { text: string; reason: TextStopReason | null } {
  const cursor = c.file.indexOf("█");
  const prefix = c.file.slice(0, cursor);
  const suffix = c.file.slice(cursor + 1);
  const spec = stopSpecFor(prefix, suffix, c.multiline, STOPS);
  for (let n = 1; n <= c.modelOutput.length; n++) {
    const stop = findStop(c.modelOutput.slice(0, n), spec);
    if (stop)
      return {
        text: finishCompletion(c.modelOutput.slice(0, stop.at), suffix, c.multiline),
        reason: stop.reason,
      };
  }
  return { text: finishCompletion(c.modelOutput, suffix, c.multiline), reason: null };
}

describe("stop rules and post-processing", () => {
  it.each(CASES)("$description", (c) => {
    expect(runScripted(c)).toEqual({ text: c.expected, reason: c.reason });
  });

  it("measures indentation with tabs, and leaves blank lines undecided", () => {
    expect(indentation("    x")).toBe(4);
    expect(indentation("\t  x")).toBe(6);
    expect(indentation("   ")).toBeNull();
    expect(indentation("\tx", 2)).toBe(2);
  });

  it("applies the rules to decoded tokens (CompletionStopper with a byte-level tokenizer)", async () => {
    const { Tokenizer } = await import("@huggingface/tokenizers");
    const tokenizer = new Tokenizer(byteTokenizerJson(104, "ascii"), {});
    const ids = tokenizer.encode("a + b;\nnext line").ids;
    const stopper = new CompletionStopper(stopSpecFor("x = ", "\n", false, STOPS), (t) =>
      tokenizer.decode([...t]),
    );
    let reason: string | null = null;
    let fed = 0;
    while (reason === null && fed < ids.length) reason = stopper.check(ids.slice(0, ++fed));
    expect(reason).toBe("end-of-line");
    expect(fed).toBe("a + b;\n".length); // stopped on the newline's token, nothing generated past it
    expect(stopper.text).toBe("a + b;");
  });

  it("with token healing, applies the rules to the text after the healed characters and leaves them out", () => {
    const pieces = ["retur", "n x;", "\n", "y"];
    const spec = { ...stopSpecFor("  ret", "\n", false, STOPS), healed: "ret" };
    const stopper = new CompletionStopper(spec, (ids) => ids.map((i) => pieces[i]!).join(""));
    expect(stopper.check([0])).toBeNull();
    expect(stopper.text).toBe("ur");
    expect(stopper.check([0, 1])).toBeNull();
    expect(stopper.check([0, 1, 2])).toBe("end-of-line");
    expect(stopper.text).toBe("urn x;");
  });
});
