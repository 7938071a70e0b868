/**
 * What the `repolora` CLI says to a user who types something wrong, one row per message: argv → exit code and a
 * piece of stdout or stderr. The CLI runs as a user runs it (node bin/repolora.mjs).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE } from "./helpers/fixture-repo.ts";
import { tempDir } from "./helpers/git-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "repolora.mjs");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const { repo } = buildFixtureRepo();
const bare = join(tempDir(), "bare.git");
execFileSync("git", ["init", "-q", "--bare", bare]);
const out = () => join(tempDir(), "out");

interface Row {
  what: string;
  argv: string[];
  code: number;
  stdout?: RegExp;
  stderr?: RegExp;
  /** Text that must not appear in stdout + stderr. */
  never?: RegExp;
}

const rows: Row[] = [
  { what: "--version", argv: ["--version"], code: 0, stdout: new RegExp(`^repolora ${VERSION}\\n$`) },
  { what: "-V", argv: ["-V"], code: 0, stdout: new RegExp(`^repolora ${VERSION}\\n$`) },
  { what: "bare repolora prints the help", argv: [], code: 0, stdout: /Usage: repolora <command>/ },
  {
    what: "unknown command",
    argv: ["trian", "."],
    code: 2,
    stderr: /unknown command 'trian'\. Did you mean 'train'\?/,
  },
  {
    what: "unknown top-level option",
    argv: ["--verison"],
    code: 2,
    stderr: /unknown option '--verison'\. Did you mean '--version'\?/,
  },
  {
    what: "unknown command, nothing close",
    argv: ["frobnicate"],
    code: 2,
    stderr: /unknown command 'frobnicate'\.\n/,
    never: /Did you mean/,
  },
  {
    what: "unknown option with a near one",
    argv: ["dataset", ".", "--out", out(), "--languags", "python"],
    code: 1,
    stderr: /Unknown option '--languags'\. Did you mean '--languages'\?\n {2}hint: Run with --help/,
    never: /positional argument|place it at the end/,
  },
  {
    what: "unknown option, nothing close",
    argv: ["train", ".", "--zzz"],
    code: 1,
    stderr: /Unknown option '--zzz'\.\n/,
    never: /Did you mean|positional argument/,
  },
  {
    what: "option missing its value",
    argv: ["dataset", ".", "--out"],
    code: 1,
    stderr: /--out needs a value\./,
  },
  {
    what: "a density that is neither a number nor a level",
    argv: ["dataset", ".", "--out", out(), "--density", "lots"],
    code: 1,
    stderr:
      /--density: bad density 'lots': give examples per 100 lines \(> 0\) or one of sparse, medium, dense, all/,
  },
  {
    what: "a budget below one example",
    argv: ["dataset", ".", "--out", out(), "--max-examples", "0"],
    code: 1,
    stderr: /--max-examples must be a number ≥ 1, got '0'\./,
  },
  {
    what: "value given to a switch",
    argv: ["dataset", ".", "--out", out(), "--json=yes"],
    code: 1,
    stderr: /--json is a switch; it takes no value\./,
  },
  ...(["dataset", "train", "bench", "org-train"] as const).map(
    (command): Row => ({
      what: `${command} refuses an unknown language with the list`,
      argv: [command, repo.root, "--languages", "typescript,pyhton"],
      code: 1,
      stderr:
        /Unknown language 'pyhton' in --languages\. Did you mean 'python'\?\n {2}hint: Supported languages: typescript, .*php, text\./,
    }),
  ),
  ...[
    ["dataset", repo.root, "--out", out()],
    ["org-train", "--name", "acme", repo.root, repo.root],
  ].map(
    (args): Row => ({
      what: `${args[0]}: unknown --template`,
      argv: [...args, "--template", "qwen-spm"],
      code: 1,
      stderr: /Unknown --template 'qwen-spm'\.\n {2}hint: Use one of qwen2\.5-coder, qwen2\.5-coder-spm, /,
    }),
  ),
  {
    what: "the help lists every language, php included",
    argv: ["dataset", "--help"],
    code: 0,
    stdout: /ruby,php,text/,
  },
  {
    what: "bare repository",
    argv: ["dataset", bare, "--out", out()],
    code: 1,
    stderr: /is a bare repository .*\n {2}hint: Clone it .*`git clone /,
    never: /not inside a git repository|git init/,
  },
  {
    what: "eval takes --adapters-dir to resolve an adapter id",
    argv: ["eval", "no-such-adapter", "--adapters-dir", tempDir()],
    code: 1,
    stderr: /No adapter 'no-such-adapter' in /,
    never: /apply to a stack/,
  },
  {
    what: "dataset's summary names the folder given",
    argv: ["dataset", repo.root, "--out", out(), "--eval-share", String(FIXTURE_EVAL_SHARE), "--no-cache"],
    code: 0,
    stdout: new RegExp(`repo {6}${repo.root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} @ [0-9a-f]{10}`),
  },
];

describe("repolora CLI messages", () => {
  it.each(rows)("$what", ({ argv, code, stdout, stderr, never }) => {
    const result = spawnSync("node", [BIN, ...argv], { encoding: "utf8", timeout: 120_000 });
    expect(result.status, result.stderr).toBe(code);
    if (stdout) expect(result.stdout).toMatch(stdout);
    if (stderr) expect(result.stderr).toMatch(stderr);
    if (never) expect(result.stdout + result.stderr).not.toMatch(never);
  });
});
