import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { repoKey } from "../../../../runtime/src/contracts/registry.ts";
import { sameRemote } from "../../../../runtime/src/contracts/remote.ts";
import { ReportCard } from "../../../../runtime/src/contracts/report-card.ts";
import { findShippedDefaultAdapter } from "../../../../runtime/src/model/default-adapter.ts";
import { AdapterRegistry } from "../../adapters/registry/registry.ts";
import { openRepo, type RepoInfo } from "../../mine/repo.ts";
import { gitText } from "../../mine/spawn.ts";
import { reportHtml } from "../../report/html.ts";
import { reportTable } from "../../report/text.ts";
import { dataHome } from "../../train/locations.ts";
import { checkTrainerEnv } from "../../train/python-env.ts";
import { runTrainer } from "../../train/run-trainer.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { createProgress } from "../../util/progress.ts";
import { cancelOnSignals, numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { parseAdapterOption } from "./complete.ts";

const HELP = `Usage: repolora eval <adapter dir|registry id> [options]
       repolora eval <repo> --adapter <adapter>[:weight] --adapter <adapter>[:weight] [options]

Scores the base model and base + adapter on the held-out examples of the adapter's dataset (code that entered
the repository after the cutoff): exact match, edit similarity, identifier match, with paired bootstrap 95%
intervals. Prints the report card to stdout; the adapter's own report.json (written when it was trained) is
left as it is unless --write-report.

With --adapter (repeat it; as \`repolora complete\` takes it), scores a stack on the repository's held-out
examples: the base model, each adapter alone (weight 1) and the weighted stack, exactly as the runtime stacks
adapters (concatenated along the rank axis: each adapter's delta-W times its weight, summed), with intervals
vs base and of the stack vs each adapter. Typical stack: the org-wide adapter (\`repolora org-train\`) and
the repository's own. Adapters trained on different base models are refused. The report card (report.json's
format; systems base, org, repo, stack) is written to --out, or <data home>/reports/<repo key>/; the adapters'
own report.json files are not changed.

Options:
  --dataset <dir>        Dataset folder (default: the one the adapter was trained on)
  --control <adapter>    Also score an adapter trained the same way on another repository: how much of the
                         gain is specific to this repository, not the completion format
  --limit <n>            Score a seeded sample of n examples (default: the trainer's report limit)
  --max-new-tokens <n>   Completion length cap (default 64)
  --html <file>          Also write a self-contained HTML report card with charts
  --json                 Print the report card as JSON (report.json's format) instead of the table
  --write-report         Replace the adapter's report.json with this report card
  --adapters-dir <dir>   Registry to resolve an adapter id in (default: ${join(dataHome(), "adapters")})

Stack options:
  --adapter <a>[:weight] An adapter folder or registry id (\`repolora adapters list\`; a unique prefix will do),
                         optionally weighted (default 1); repeat for each adapter of the stack
  --dataset <dir>        Held-out examples (default: the dataset the repository's own adapter in the stack was
                         trained on, else the org adapter's dataset of this repository)
  --out <file>           Where to write the stack's report card
  --base <model>         Base model (default: the one the adapters were trained on)
  --adapters-dir <dir>   Registry to resolve ids in (default: ${join(dataHome(), "adapters")})

Examples:
  repolora eval ~/.local/share/repolora/adapters/myrepo-1a2b3c4d/20261123T180000Z-abcdef12 --html card.html
  repolora eval . --adapter org-acme:0.5 --adapter myrepo-1a2b3c4d/20261123T180000Z-abcdef12:1`;

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
      adapter: { type: "string", multiple: true },
      out: { type: "string" },
      base: { type: "string" },
      "adapters-dir": { type: "string" },
      "write-report": { type: "boolean" },
    });
    if (values.adapter?.length) return runStack(values, positionals);
    if (values.out || values.base)
      throw new RepoLoraError("BAD_ARGUMENT", "--out and --base apply to a stack (--adapter).");
    if (!positionals[0] || positionals.length > 1)
      throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one adapter folder or registry id.");
    const adapter = await adapterFolder(positionals[0], values["adapters-dir"]);
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
    if (!values["write-report"]) trainerArgs.push("--no-write");
    if (values.control) trainerArgs.push("--control", resolve(values.control));
    // The default system is the baseline; the trainer skips it (with a warning) for other base weights.
    const defaultAdapter = findShippedDefaultAdapter();
    if (defaultAdapter) trainerArgs.push("--baseline", defaultAdapter);
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
      else process.stdout.write(`${reportTable(report)}\n`);
      if (values["write-report"]) progress.log(`report.json of ${adapter} replaced`);
      return 0;
    } finally {
      progress.done();
      cancel.dispose();
    }
  },
};

/** The adapter folder a positional names: a folder, else an id in the registry (--adapters-dir). */
async function adapterFolder(ref: string, adaptersDir: string | undefined): Promise<string> {
  if (existsSync(resolve(ref))) return resolve(ref);
  const registry = new AdapterRegistry(resolve(adaptersDir ?? join(dataHome(), "adapters")));
  return (await registry.get(ref)).dir;
}

type Json = Record<string, unknown>;
const rec = (v: unknown): Json =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

function readJson(path: string): Json {
  try {
    return rec(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return {};
  }
}

/** One adapter of a stack, with what the checks need from its bundle. */
export interface StackMember {
  ref: string;
  dir: string;
  weight: number;
  /** System name in the report card: "org", "repo", else "adapter<i>". */
  system: string;
  baseId: string | null;
  baseSha256: string | null;
  /** The dataset folder holding this repository's held-out examples, as the adapter recorded it. */
  datasetDir: string | null;
  /** The commit whose code this adapter trained on, for this repository (null: not trained on it). */
  trainedCommit: string | null;
}

/**
 * Refuses a stack of adapters trained on different base models (the runtime's rule: equal weight sha256 when both
 * record one, else equal base model ids).
 */
export function checkSameBase(members: readonly StackMember[]): void {
  const [first, ...rest] = members;
  if (!first) return;
  const say = (m: StackMember) =>
    `'${m.baseId ?? "unknown"}'${m.baseSha256 ? ` (weights sha256 ${m.baseSha256.slice(0, 12)})` : ""}`;
  for (const other of rest) {
    const same =
      first.baseSha256 && other.baseSha256
        ? first.baseSha256 === other.baseSha256
        : first.baseId !== null && first.baseId === other.baseId;
    if (!same)
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `Cannot stack adapters trained on different base models: ${first.ref} was trained on ${say(first)}, ${other.ref} on ${say(other)}.`,
        "A stack adds the adapters' weight deltas to one base model; stack adapters trained on the same one.",
      );
  }
}

function sameRepo(repo: Json, info: RepoInfo, key: string, entryKey: string | null): boolean {
  if (entryKey === key || str(repo.key) === key) return true;
  const remote = str(repo.remote);
  if (remote && info.remote) return sameRemote(remote, info.remote);
  return str(repo.root) !== null && resolve(str(repo.root) as string) === info.root;
}

async function resolveMember(
  value: string,
  index: number,
  registry: AdapterRegistry,
  info: RepoInfo,
  key: string,
): Promise<StackMember> {
  const { dir: ref, weight } = parseAdapterOption(value);
  let dir: string;
  let entryKey: string | null = null;
  if (existsSync(join(resolve(ref), "adapter_config.json"))) {
    dir = resolve(ref);
  } else {
    const entry = await registry.get(ref);
    dir = entry.dir;
    entryKey = entry.repoKey;
  }
  if (!existsSync(join(dir, "adapter_config.json")))
    throw new RepoLoraError("BAD_ARGUMENT", `${dir} is not an adapter folder (no adapter_config.json).`);
  const manifest = readJson(join(dir, "repolora.json"));
  const peft = readJson(join(dir, "adapter_config.json"));
  const base = rec(manifest.baseModel);
  const org = rec(manifest.org);
  const member: StackMember = {
    ref,
    dir,
    weight,
    system: `adapter${index + 1}`,
    baseId: str(base.id) ?? str(peft.base_model_name_or_path),
    baseSha256: str(base.sha256),
    datasetDir: null,
    trainedCommit: null,
  };
  if (Array.isArray(org.repos)) {
    member.system = "org";
    const mine = org.repos.map(rec).find((r) => sameRepo(r, info, key, str(r.key)));
    if (mine) {
      member.datasetDir = str(mine.datasetDir);
      member.trainedCommit = str(rec(mine.cutoff).commit);
    }
  } else if (sameRepo(rec(manifest.repo), info, key, entryKey)) {
    member.system = "repo";
    const dataset = rec(rec(manifest.data).dataset);
    member.datasetDir = str(dataset.dir);
    member.trainedCommit = str(rec(dataset.cutoff).commit) ?? str(rec(manifest.repo).head);
  }
  return member;
}

async function isAncestorOrSame(root: string, older: string, newer: string): Promise<boolean | null> {
  try {
    const base = (await gitText(root, ["merge-base", older, newer])).trim();
    return base === (await gitText(root, ["rev-parse", older])).trim();
  } catch {
    return null;
  }
}

async function runStack(
  values: {
    dataset?: string | undefined;
    limit?: string | undefined;
    "max-new-tokens"?: string | undefined;
    html?: string | undefined;
    json?: boolean | undefined;
    adapter?: string[] | undefined;
    out?: string | undefined;
    base?: string | undefined;
    "adapters-dir"?: string | undefined;
    control?: string | undefined;
  },
  positionals: string[],
): Promise<number> {
  if (positionals.length > 1)
    throw new RepoLoraError("BAD_ARGUMENT", "Give one repository (default: the current folder).");
  if (values.control) throw new RepoLoraError("BAD_ARGUMENT", "--control does not apply to a stack.");
  const { info } = await openRepo(positionals[0] ?? ".");
  const key = repoKey(info.name, info.remote ?? info.root);
  const registry = new AdapterRegistry(resolve(values["adapters-dir"] ?? join(dataHome(), "adapters")));
  const members: StackMember[] = [];
  for (const [i, value] of (values.adapter ?? []).entries())
    members.push(await resolveMember(value, i, registry, info, key));
  const dirs = new Set(members.map((m) => m.dir));
  if (dirs.size !== members.length)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      "The same adapter is given twice; give each once with its weight.",
    );
  for (const role of ["org", "repo"]) {
    const same = members.filter((m) => m.system === role);
    if (same.length > 1) for (const [i, m] of same.entries()) m.system = `${role}${i + 1}`;
  }
  checkSameBase(members);

  // The repository's held-out examples: --dataset, else the one its own adapter was trained (and scored) on.
  const candidates = [
    ...members.filter((m) => m.system.startsWith("repo")),
    ...members.filter((m) => m.system.startsWith("org")),
  ];
  const dataset = values.dataset
    ? resolve(values.dataset)
    : candidates.map((m) => m.datasetDir).find((d) => d && existsSync(join(d, "eval.jsonl")));
  if (!dataset || !existsSync(join(dataset, "eval.jsonl")))
    throw new RepoLoraError(
      "BAD_DATASET",
      `No held-out examples of ${info.root} to score the stack on${dataset ? ` (${dataset} has no eval.jsonl)` : ""}.`,
      "Pass --dataset <dir> (built with `repolora dataset <repo>`).",
    );
  const progress = createProgress();
  // An adapter trained on code newer than the held-out set's cutoff may have seen the held-out code.
  const evalCutoff = str(rec(readJson(join(dataset, "dataset.json")).cutoff).commit);
  if (evalCutoff) {
    for (const m of members) {
      if (!m.trainedCommit) continue;
      if ((await isAncestorOrSame(info.root, m.trainedCommit, evalCutoff)) === false)
        progress.log(
          `warning: ${m.system} (${m.ref}) trained on code at ${m.trainedCommit.slice(0, 8)}, which is not at or before the held-out set's cutoff ${evalCutoff.slice(0, 8)}: it may have seen held-out code, which favours it.`,
        );
    }
  }
  const out = resolve(
    values.out ??
      join(
        dataHome(),
        "reports",
        key,
        `stack-${new Date()
          .toISOString()
          .replace(/[-:]/g, "")
          .replace(/\.\d+Z$/, "Z")}.json`,
      ),
  );
  await checkTrainerEnv();
  const trainerArgs = ["eval", "--dataset", dataset, "--out", out, "--json"];
  for (const m of members) trainerArgs.push("--stack", `${m.dir}:${m.weight}`);
  trainerArgs.push("--names", members.map((m) => m.system).join(","));
  if (values.base) trainerArgs.push("--base", values.base);
  if (values.limit) trainerArgs.push("--limit", String(numberOption("limit", values.limit, 0, 1)));
  if (values["max-new-tokens"])
    trainerArgs.push(
      "--max-new-tokens",
      String(numberOption("max-new-tokens", values["max-new-tokens"], 64, 1)),
    );
  progress.log(
    `stack on ${key}: ${members.map((m) => `${m.system} ${m.ref} ×${m.weight}`).join(" + ")}; held-out examples from ${dataset}`,
  );
  const cancel = cancelOnSignals();
  try {
    let started = false;
    let failure: string | null = null;
    const result = await runTrainer({
      args: trainerArgs,
      signal: cancel.signal,
      onEvent: (event) => {
        if (event.event === "error") failure = event.message;
        if (event.event !== "reportProgress") return;
        if (!started) progress.phase("stack report card", event.of);
        started = true;
        progress.update(event.done);
      },
      onLog: (line) => progress.log(line),
    });
    progress.done();
    if (result.exitCode !== 0) {
      if (result.exitCode === 130) throw new RepoLoraError("CANCELLED", "Evaluation cancelled.");
      throw new RepoLoraError(
        "TRAINER_FAILED",
        `Scoring the stack failed (exit ${result.exitCode})${failure ? `: ${failure}` : "; see the log above"}.`,
      );
    }
    const report = ReportCard.parse(JSON.parse(result.otherStdout));
    if (values.html) {
      await writeFile(resolve(values.html), reportHtml(report, `RepoLoRA stack report card: ${key}`));
      progress.log(`HTML report card written to ${resolve(values.html)}`);
    }
    if (values.json) process.stdout.write(result.otherStdout);
    else process.stdout.write(`${reportTable(report)}\nStack report card written to ${out}\n`);
    return 0;
  } finally {
    progress.done();
    cancel.dispose();
  }
}
