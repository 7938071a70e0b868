/**
 * What the `repolora` CLI says to a user who types something wrong, one row per message: argv → exit code and a
 * piece of stdout or stderr. The CLI runs as a user runs it (node bin/repolora.mjs).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TINY_QWEN2, writeRandomModel } from "../runtime/src/testing/random-model.ts";
import { buildFixtureRepo, FIXTURE_EVAL_SHARE } from "./helpers/fixture-repo.ts";
import { tempDir } from "./helpers/git-repo.ts";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "repolora.mjs");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const { repo } = buildFixtureRepo();
const bare = join(tempDir(), "bare.git");
execFileSync("git", ["init", "-q", "--bare", bare]);
const out = () => join(tempDir(), "out");

// A tiny random Qwen2 model for `model prepare` (no Python, no download).
const tinyModel = join(tempDir(), "tiny");
writeRandomModel(tinyModel, TINY_QWEN2);

/** An adapter folder with its own report.json and a held-out set, for `eval` against the fake trainer. */
function evalFixture() {
  const dir = tempDir();
  const adapter = join(dir, "adapter");
  const dataset = join(dir, "dataset");
  mkdirSync(adapter);
  mkdirSync(dataset);
  writeFileSync(join(adapter, "adapter_config.json"), "{}\n");
  writeFileSync(join(adapter, "report.json"), "trained\n");
  writeFileSync(join(dataset, "eval.jsonl"), "");
  const home = join(dir, "home");
  const env = {
    REPOLORA_TRAINER_PYTHON: join(ROOT, "test", "helpers", "fake-trainer.mjs"),
    REPOLORA_HOME: home,
  };
  return {
    argv: ["eval", adapter, "--dataset", dataset],
    env,
    report: () => readFileSync(join(adapter, "report.json"), "utf8"),
    log: () => readFileSync(join(home, "logs", "trainer.log"), "utf8"),
  };
}
const evalPlain = evalFixture();
const evalWrite = evalFixture();
const evalJson = evalFixture();

/** Some line printed twice in a row (a progress line repeated at a phase's end). */
const REPEATED_LINE = /^(.+)\n\1$/m;

interface Row {
  what: string;
  argv: string[];
  code: number;
  stdout?: RegExp;
  stderr?: RegExp;
  /** Text that must not appear in stdout + stderr. */
  never?: RegExp;
  /** Environment added to the CLI's. */
  env?: Record<string, string>;
  /** Checks of files the command wrote or left alone, after it ran. */
  after?: () => void;
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
    never: REPEATED_LINE,
  },
  {
    what: "an option whose value starts with '-'",
    argv: ["dataset", ".", "--out", "--languags"],
    code: 1,
    stderr: /--out needs a value, and the next argument starts with '-'; write --out=<value> for a value/,
    never: /positional argument|place it at the end/,
  },
  {
    what: "eval prints the report card on stdout, leaves the adapter's report.json, hides library warnings",
    argv: evalPlain.argv,
    env: evalPlain.env,
    code: 0,
    stdout: /^report card: completions on 3 held-out examples/,
    stderr:
      /third-party library warnings are hidden here and kept in .*trainer\.log\)\nscoring 3 held-out examples\n/,
    never: /FutureWarning|warnings\.warn|kernels/,
    after: () => {
      expect(evalPlain.report()).toBe("trained\n");
      expect(evalPlain.log()).toMatch(/FutureWarning.*No module named 'kernels'/s);
    },
  },
  {
    what: "eval's final progress line is printed once",
    argv: evalPlain.argv,
    env: evalPlain.env,
    code: 0,
    stderr: /report card: 3\/3 100%/,
    never: /report card: 3\/3.*report card: 3\/3/s,
  },
  {
    what: "eval --write-report replaces the adapter's report.json",
    argv: [...evalWrite.argv, "--write-report"],
    env: evalWrite.env,
    code: 0,
    stdout: /^report card: /,
    stderr: /report\.json of .* replaced/,
    after: () => expect(JSON.parse(evalWrite.report()).fake).toBe("written"),
  },
  {
    what: "eval --json prints report.json's object",
    argv: [...evalJson.argv, "--json"],
    env: evalJson.env,
    code: 0,
    stdout: /^\{\n {2}"examples": 3,/,
    after: () => expect(evalJson.report()).toBe("trained\n"),
  },
  {
    what: "model prepare says what it is doing and what to do next",
    argv: ["model", "prepare", tinyModel, "--out", out()],
    code: 0,
    stderr:
      /hashing the weights \(sha256\)…\nconverting layers: .*converting layers: 2\/2 100%.*\nwriting model\.onnx…/s,
    stdout:
      /\nNext:\n {2}try it +repolora complete <file> --line <L> --col <C> --model .*\n {2}serve it +repolora serve --model .*\n {2}in VS Code +set "repolora\.modelPackage": /,
    never: REPEATED_LINE,
  },
  {
    what: "model prepare --json",
    argv: ["model", "prepare", tinyModel, "--out", out(), "--json"],
    code: 0,
    stdout: /^\{\n {2}"dir": .*\n {2}"seconds": [\d.]+,\n {2}"manifest": \{/,
  },
  {
    what: "model prepare refuses an existing --out before any work",
    argv: ["model", "prepare", tinyModel, "--out", tempDir()],
    code: 1,
    stderr: /already exists\.\n {2}hint: Pass --overwrite to replace it/,
    never: /Preparing|pass overwrite/,
  },
  {
    what: "complete takes --adapters-dir to resolve an adapter id",
    argv: [
      "complete",
      join(repo.root, "src", "money.ts"),
      "--line",
      "1",
      "--col",
      "1",
      "--adapter",
      "no-such",
      "--adapters-dir",
      tempDir(),
    ],
    code: 1,
    stderr: /No adapter 'no-such' in /,
  },
  ...(
    [
      ["dataset", "--json"],
      ["train", "--json"],
      ["train", "--adapters-dir"],
      ["org-train", "--json"],
      ["org-train", "--adapters-dir"],
      ["eval", "--json"],
      ["eval", "--adapters-dir"],
      ["adapters", "--json"],
      ["adapters", "--adapters-dir"],
      ["export", "--json"],
      ["export", "--adapters-dir"],
      ["complete", "--json"],
      ["complete", "--adapters-dir"],
      ["model", "--json"],
      ["bench", "--json"],
      ["cache", "--json"],
    ] as const
  ).map(
    ([command, option]): Row => ({
      what: `${command} --help lists ${option}`,
      argv: [command, "--help"],
      code: 0,
      stdout: new RegExp(`\\n {2}${option}\\b`),
    }),
  ),
];

describe("repolora CLI messages", () => {
  it.each(rows)("$what", ({ argv, code, stdout, stderr, never, env, after }) => {
    const result = spawnSync("node", [BIN, ...argv], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, ...env },
    });
    expect(result.status, result.stderr).toBe(code);
    if (stdout) expect(result.stdout).toMatch(stdout);
    if (stderr) expect(result.stderr).toMatch(stderr);
    if (never) expect(result.stdout + result.stderr).not.toMatch(never);
    after?.();
  });
});
