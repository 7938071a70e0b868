import { formatInterval, formatNllInterval } from "../../../../bench/quality/report.ts";
import { runBench } from "../../../../bench/quality/run-bench.ts";
import { DEFAULT_BOOTSTRAP } from "../../../../bench/quality/stats.ts";
import { DEFAULT_BASE_MODEL, resolveBaseModel } from "../../train/base-model.ts";
import { checkTrainerEnv } from "../../train/python-env.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { createProgress } from "../../util/progress.ts";
import { cancelOnSignals, listOption, numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora bench <repo...> --out <dir> [options]

Is the repo adapter worth training over the default completion system? For each repository: builds the
time-split dataset with and without retrieval context (same examples), trains an adapter (as \`repolora train\`
does: from the default adapter's weights when the base is the embedded default), and scores on the same
held-out examples, each with and without retrieval: the raw base model, the default system (base + the shipped
default adapter; none for another base), the adapter, a control adapter (same recipe, trained on the next
repository of the list) and a format-only adapter (same recipe and steps, trained on a mix of the OTHER
repositories: as many examples as the repository's own training set, in equal shares, seeded). With two
repositories that mix is the control's own data, so the control stands in for format-only (no extra training);
from three repositories up each format-only adapter is trained (one more training run per repository).

Each system gets completion metrics (EM, edit similarity, identifier match; higher is better) on --limit
examples and held-out NLL of the middle (nats per token, lower is better; forward passes only) on --nll-limit.
Writes results.json, results.md and results.svg: paired-bootstrap 95% intervals for each difference (against
the default system first, the raw base's rows after; overall and per language), n of both, costs per system
(training seconds, adapter MiB, completion latency, prompt tokens) and the targets check per repository, on
edit similarity and on NLL: adapter+retrieval > default+retrieval, > control+retrieval, > format-only+retrieval;
"holds" only when the interval excludes 0 on the better side (above 0 for ES, below 0 for NLL).

Options:
  --out <dir>            Output folder (datasets, adapters and results go under it; reused runs overwrite)
  --base <model>         Base model folder or hub id (default ${DEFAULT_BASE_MODEL})
  --steps <n>            Training steps per adapter (default 20)
  --max-tokens <n>       Prompt budget and sequence cap (default 512)
  --limit <n>            Held-out examples completed per repo, a seeded sample (default 50; 0 = all)
  --nll-limit <n>        Held-out examples per repo for NLL, a seeded sample (default 200; 0 = all)
  --max-new-tokens <n>   Generation cap per completion (default 48)
  --rank <n>             LoRA rank (default: the trainer's, 16)
  --micro-batch <n>      Examples per forward pass (default: the trainer's)
  --from-scratch         Train every adapter from fresh LoRA weights instead of the default adapter's
  --threads <n>          torch CPU threads (default: torch's)
  --cutoff, --eval-share, --languages, --seed   As for \`repolora dataset\`
  --reuse                Keep datasets, adapters and format-only mixes an earlier run left in --out (same
                         HEADs, seed and steps): re-score only
  --resamples <n>        Bootstrap resamples (default ${DEFAULT_BOOTSTRAP.resamples})
  --json                 Print results.json to stdout

Example:
  repolora bench ../repo-a ../repo-b ../repo-c --out /tmp/bench --base ./models/qwen --steps 10 --limit 20`;

export const benchCommand: Command = {
  name: "bench",
  summary:
    "Benchmark the default system, adapter, retrieval, control and format-only adapters on held-out code",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      out: { type: "string" },
      base: { type: "string" },
      steps: { type: "string" },
      "max-tokens": { type: "string" },
      limit: { type: "string" },
      "nll-limit": { type: "string" },
      "from-scratch": { type: "boolean" },
      "max-new-tokens": { type: "string" },
      rank: { type: "string" },
      "micro-batch": { type: "string" },
      threads: { type: "string" },
      cutoff: { type: "string" },
      "eval-share": { type: "string" },
      languages: { type: "string" },
      seed: { type: "string" },
      resamples: { type: "string" },
      reuse: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (positionals.length === 0)
      throw new RepoLoraError("BAD_ARGUMENT", "Give one or more repository paths.", HELP.split("\n")[0]);
    if (!values.out)
      throw new RepoLoraError("BAD_ARGUMENT", "--out <dir> is required.", "e.g. --out /tmp/bench");
    await checkTrainerEnv();
    const trainArgs: string[] = [];
    if (values.rank) trainArgs.push("--rank", String(numberOption("rank", values.rank, 16, 1)));
    if (values["micro-batch"])
      trainArgs.push("--micro-batch", String(numberOption("micro-batch", values["micro-batch"], 4, 1)));
    const threads = numberOption("threads", values.threads, 0);
    const cancel = cancelOnSignals();
    const progress = createProgress();
    try {
      const { results, out } = await runBench({
        repos: positionals,
        out: values.out,
        base: await resolveBaseModel(values.base, (line) => progress.log(line)),
        steps: numberOption("steps", values.steps, 20, 1),
        maxTokens: numberOption("max-tokens", values["max-tokens"], 512, 64),
        limit: numberOption("limit", values.limit, 50),
        nllLimit: numberOption("nll-limit", values["nll-limit"], 200),
        fromScratch: values["from-scratch"] ?? false,
        maxNewTokens: numberOption("max-new-tokens", values["max-new-tokens"], 48, 1),
        seed: numberOption("seed", values.seed, 1),
        ...(values.cutoff !== undefined ? { cutoff: values.cutoff } : {}),
        ...(values["eval-share"] !== undefined
          ? { evalShare: numberOption("eval-share", values["eval-share"], 0.1) }
          : {}),
        languages: listOption(values.languages),
        trainArgs,
        ...(threads > 0 ? { threads } : {}),
        bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: numberOption("resamples", values.resamples, 1000, 10) },
        reuse: values.reuse ?? false,
        command: ["repolora", "bench", ...args].join(" "),
        progress,
        signal: cancel.signal,
      });
      progress.done();
      if (values.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      } else {
        const lines = [`Benchmark written to ${out} (results.json, results.md, results.svg)`];
        for (const repo of results.repos) {
          lines.push(
            `  ${repo.name}: n = ${repo.counts.scored} completions, ${repo.counts.nllScored} NLL examples`,
          );
          for (const c of repo.summary.comparisons)
            lines.push(
              `    ${`${c.treatment} − ${c.control}`.padEnd(46)} ES ${formatInterval(c.metrics.editSimilarity)}` +
                `  NLL ${formatNllInterval(c.nll)}`,
            );
          for (const t of repo.targets) lines.push(`    target ${t.name}: ${t.verdict}`);
        }
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      return 0;
    } finally {
      progress.done();
      cancel.dispose();
    }
  },
};
