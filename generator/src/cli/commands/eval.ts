import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { reportHtml } from "../../report/html.ts";
import { ReportCard } from "../../report/report-card.ts";
import { checkTrainerEnv } from "../../train/python-env.ts";
import { runTrainer } from "../../train/run-trainer.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { cancelOnSignals, numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { createProgress } from "../progress.ts";

const HELP = `Usage: repolora eval <adapter dir> [options]

Scores the base model and base + adapter on the held-out examples of the adapter's dataset (code that entered
the repository after the cutoff): exact match, edit similarity, identifier match, with paired bootstrap 95%
intervals. Writes report.json into the adapter folder and prints the report card.

Options:
  --dataset <dir>        Dataset folder (default: the one the adapter was trained on)
  --control <adapter>    Also score an adapter trained the same way on another repository: how much of the
                         gain is specific to this repository, not the completion format
  --limit <n>            Score a seeded sample of n examples (default: the trainer's report limit)
  --max-new-tokens <n>   Completion length cap (default 64)
  --html <file>          Also write a self-contained HTML report card with charts
  --json                 Print report.json to stdout

Example:
  repolora eval ~/.local/share/repolora/adapters/myrepo-1a2b3c4d/20261123T180000Z-abcdef12 --html card.html`;

export const evalCommand: Command = {
  name: "eval",
  summary: "Score an adapter against the base model on held-out code (the report card)",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      dataset: { type: "string" },
      control: { type: "string" },
      limit: { type: "string" },
      "max-new-tokens": { type: "string" },
      html: { type: "string" },
      json: { type: "boolean" },
    });
    const adapter = positionals[0] ? resolve(positionals[0]) : undefined;
    if (!adapter || positionals.length > 1)
      throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one adapter folder.");
    const manifestPath = join(adapter, "repolora.json");
    if (!existsSync(join(adapter, "adapter_config.json"))) {
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `${adapter} is not an adapter folder (no adapter_config.json).`,
      );
    }
    let dataset = values.dataset ? resolve(values.dataset) : undefined;
    if (!dataset && existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
        data?: { dataset?: { dir?: string } };
      };
      dataset = manifest.data?.dataset?.dir;
    }
    if (!dataset || !existsSync(join(dataset, "eval.jsonl"))) {
      throw new RepoLoraError(
        "BAD_DATASET",
        `No dataset to evaluate on${dataset ? ` (${dataset} has no eval.jsonl)` : ""}.`,
        "Pass --dataset <dir> (built with `repolora dataset`).",
      );
    }
    await checkTrainerEnv();
    const trainerArgs = ["eval", "--dataset", dataset, "--adapter", adapter, "--json"];
    if (values.control) trainerArgs.push("--control", resolve(values.control));
    if (values.limit) trainerArgs.push("--limit", String(numberOption("limit", values.limit, 0, 1)));
    if (values["max-new-tokens"]) {
      trainerArgs.push(
        "--max-new-tokens",
        String(numberOption("max-new-tokens", values["max-new-tokens"], 64, 1)),
      );
    }
    const cancel = cancelOnSignals();
    const progress = createProgress();
    try {
      let started = false;
      const result = await runTrainer({
        args: trainerArgs,
        signal: cancel.signal,
        onEvent: (event) => {
          if (event.event !== "reportProgress") return;
          if (!started) progress.phase("report card", event.of);
          started = true;
          progress.update(event.done);
        },
        onLog: (line) => progress.log(line),
      });
      progress.done();
      if (result.exitCode !== 0) {
        if (result.exitCode === 130)
          throw new RepoLoraError("CANCELLED", "Evaluation cancelled; report.json unchanged.");
        throw new RepoLoraError(
          "TRAINER_FAILED",
          `Evaluation failed (exit ${result.exitCode}); see the log above.`,
        );
      }
      const report = ReportCard.parse(JSON.parse(result.otherStdout));
      if (values.html) {
        await writeFile(
          resolve(values.html),
          reportHtml(report, `RepoLoRA report card: ${adapter.split("/").pop()}`),
        );
        progress.log(`HTML report card written to ${resolve(values.html)}`);
      }
      if (values.json) process.stdout.write(result.otherStdout);
      return 0;
    } finally {
      progress.done();
      cancel.dispose();
    }
  },
};
