#!/usr/bin/env node
// A stand-in for the trainer's Python (REPOLORA_TRAINER_PYTHON) that speaks its command-line protocol for
// `eval`, so CLI tests can check what the user sees without torch: the environment probe (`-c`), third-party
// warnings on stderr, reportProgress events and the report on stdout (--json), and report.json written into
// the adapter unless --no-write (the real trainer's rule, tested in generator/trainer/tests/test_cli.py).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
if (args[0] === "-c") {
  process.stdout.write(`${JSON.stringify({ versions: { torch: "fake" }, cuda: false })}\n`);
  process.exit(0);
}
const flag = (name) => args[args.indexOf(name) + 1];
if (args[1] !== "repolora_trainer" || args[2] !== "eval") {
  process.stderr.write(`fake trainer: only eval is faked, got ${args.join(" ")}\n`);
  process.exit(2);
}
const interval = (mean) => ({ mean, low: mean - 0.1, high: mean + 0.1 });
const report = {
  examples: 3,
  nllExamples: 3,
  baseline: "base",
  systems: {
    base: { exactMatch: 0, editSimilarity: 0.5, identifierEm: 0, identifierF1: 0.5, nll: 2.5 },
    adapter: { exactMatch: 1 / 3, editSimilarity: 0.75, identifierEm: 1 / 3, identifierF1: 0.8, nll: 2 },
  },
  deltas: {
    "adapter-base": { exactMatch: interval(1 / 3), editSimilarity: interval(0.25), nll: interval(-0.5) },
  },
  verdict: null,
  fake: args.includes("--no-write") ? "scored" : "written",
};
process.stderr.write(
  [
    "/x/site-packages/transformers/modeling_utils.py:3303: FutureWarning: `is_gradient_checkpointing` is deprecated",
    "  warnings.warn(",
    "Failed to load CPU gemm_4bit_forward from kernels-community: No module named 'kernels'. Please make sure you already `pip install kernels`",
    "scoring 3 held-out examples",
    "",
  ].join("\n"),
);
// Like the trainer on a small set: one progress event, at the end.
process.stdout.write(`${JSON.stringify({ event: "reportProgress", done: 3, of: 3, etaSec: 0 })}\n`);
if (!args.includes("--no-write"))
  writeFileSync(join(flag("--adapter"), "report.json"), `${JSON.stringify(report, null, 2)}\n`);
if (args.includes("--json")) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
