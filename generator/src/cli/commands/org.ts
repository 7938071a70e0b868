import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoKey } from "../../../../runtime/src/contracts/registry.ts";
import { DEFAULT_BUDGET, isTemplateId, TEMPLATE_IDS } from "../../../../runtime/src/prompt/index.ts";
import { DEFAULT_BALANCE, type MixedRepo, mixDatasets } from "../../adapters/org/mix.ts";
import { AdapterRegistry, writeJsonAtomic } from "../../adapters/registry/registry.ts";
import { buildDataset } from "../../dataset/build.ts";
import { openRepo, type RepoInfo } from "../../mine/repo.ts";
import { DEFAULT_BASE_MODEL, resolveBaseModel } from "../../train/base-model.ts";
import { defaultAdapterFor, trainingTemplate } from "../../train/default-system.ts";
import { dataHome, defaultAdapterDir } from "../../train/locations.ts";
import { checkTrainerEnv } from "../../train/python-env.ts";
import { runTrainer } from "../../train/run-trainer.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { createProgress } from "../../util/progress.ts";
import { cancelOnSignals, listOption, numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { TRAINING_OPTIONS, trainerLengthArgs } from "../training-flags.ts";

const HELP = `Usage: repolora org-train --name <org> <repo> <repo> [<repo> ...] [options]

Trains one organization-wide adapter on several repositories: builds each repository's time-split dataset,
mixes their training sets (seeded, balanced so one large repository does not dominate), trains a LoRA adapter
on the mix and registers it under the key org-<org> (\`repolora adapters list\`, the editor's pickers). Stack
it with a repository's own adapter: \`repolora eval <repo> --adapter org-<org>:0.5 --adapter <repo adapter>\`
scores the stack, and \`repolora complete --adapter <dir>:<w>\` / the editor serve it.

Options:
  --name <org>          Organization name (required): the adapter is registered as org-<org>
  --balance <alpha>     Share of repository i in the mix ∝ (its examples)^alpha: 1 = proportional, 0 = equal
                        shares, default ${DEFAULT_BALANCE}. Larger repositories are subsampled; nothing is repeated
  --base <model>        Hugging Face id (local hub cache), model folder, or .gguf file (default ${DEFAULT_BASE_MODEL})
  --adapters-dir <dir>  Where adapters live (default: ${join(dataHome(), "adapters")})
  --budget <time>       Training time budget, e.g. 10m (default: no budget; steps from --steps or one epoch)
  --steps <n>           Optimizer steps (default: one epoch over the mix)
  --rank <n>            LoRA rank (default 16)
  --layers <all|n>      LoRA on all layers or only the last n
  --max-tokens <n>      Prompt budget and sequence cap in tokens (default 1024)
  --config <file>       Trainer JSON config; the flags above override it
  --no-eval             Skip the report card (on the mixed held-out examples)
  --eval-share <0..1>   Share of each repository's lines held out by the default cutoff (default 0.1)
  --template <id>       Prompt template of the datasets, recorded in the bundle; the runtime serves the adapter
                        with it (default: the base model's native one; qwen2.5-coder-spm = suffix first)
  --languages, --seed   As for \`repolora dataset\` (the seed also drives the mix)
  --json                Print the outcome as one JSON object (adapterDir, key, active id or why not, the mix)

Example:
  repolora org-train --name acme ~/src/api ~/src/web --steps 200
  repolora eval ~/src/api --adapter org-acme:0.5 --adapter <api adapter id>`;

const rec = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** "org-<name>", safe as a folder name; never of the "<name>-<8 hex>" form of a repository key. */
export function orgKey(name: string): string {
  const safe = name.replace(/[^\w.-]+/g, "_").slice(0, 40);
  if (!safe || /^\.+$/.test(safe))
    throw new RepoLoraError("BAD_ARGUMENT", `--name '${name}' has no usable characters.`);
  return `org-${safe}`;
}

export const orgTrainCommand: Command = {
  name: "org-train",
  summary: "Train one organization-wide adapter on several repositories (stack it with a repository's own)",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      name: { type: "string" },
      balance: { type: "string" },
      ...TRAINING_OPTIONS,
      "eval-share": { type: "string" },
      template: { type: "string" },
      json: { type: "boolean" },
    });
    if (!values.name)
      throw new RepoLoraError("BAD_ARGUMENT", "--name <org> is required.", HELP.split("\n")[0]);
    const key = orgKey(values.name);
    if (positionals.length < 2)
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        "Give at least two repositories.",
        "For one repository, use `repolora train <repo>`.",
      );
    const balance = numberOption("balance", values.balance, DEFAULT_BALANCE, 0);
    if (balance > 1)
      throw new RepoLoraError("BAD_ARGUMENT", `--balance must be in [0, 1], got '${values.balance}'.`);
    const evalShare = numberOption("eval-share", values["eval-share"], 0.1);
    if (evalShare <= 0 || evalShare >= 1)
      throw new RepoLoraError("BAD_ARGUMENT", "--eval-share must be between 0 and 1.");
    const seed = numberOption("seed", values.seed, 1);
    const maxTokens = numberOption("max-tokens", values["max-tokens"], 1024, 64);
    const adaptersDir = resolve(values["adapters-dir"] ?? join(dataHome(), "adapters"));
    const progress = createProgress();
    if (values.template !== undefined && !isTemplateId(values.template))
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `Unknown --template '${values.template}'.`,
        `Use one of ${TEMPLATE_IDS.join(", ")}.`,
      );
    const base = await resolveBaseModel(values.base, (line) => progress.log(line));
    // Org adapters stack with repository adapters, so they are trained in the same prompt order.
    const template = values.template ?? trainingTemplate(base, defaultAdapterFor(base));
    const cancel = cancelOnSignals();
    let staging: string | null = null;
    try {
      const repos: Array<{ path: string; key: string; info: RepoInfo }> = [];
      for (const path of positionals) {
        const { info } = await openRepo(path);
        const k = repoKey(info.name, info.remote ?? info.root);
        const twin = repos.find((r) => r.key === k);
        if (twin)
          throw new RepoLoraError(
            "BAD_ARGUMENT",
            `${path} and ${twin.path} are the same repository (${k}).`,
            "Give each repository once.",
          );
        repos.push({ path, key: k, info });
      }
      const env = await checkTrainerEnv();
      progress.log(
        `trainer: torch ${env.versions.torch}, ${env.cuda ? "CUDA found: QLoRA" : "no CUDA: LoRA on CPU"}`,
      );
      const now = new Date();
      const heads = createHash("sha256")
        .update(repos.map((r) => `${r.key} ${r.info.head}`).join("\n"))
        .digest("hex");
      const finalDir = defaultAdapterDir(adaptersDir, key, heads, now);
      const runDir = join(dataHome(), "datasets", key, finalDir.split("/").pop() as string);

      // 1. Each repository's own time-split dataset (its eval.jsonl is its held-out set for stack report cards).
      const sources = [];
      for (const repo of repos) {
        const dir = join(runDir, repo.key);
        await buildDataset({
          repo: repo.path,
          out: dir,
          force: true,
          evalShare,
          languages: listOption(values.languages),
          template,
          budget: { ...DEFAULT_BUDGET, maxTokens },
          sampling: { seed },
          progress,
          signal: cancel.signal,
        });
        sources.push({ key: repo.key, name: repo.info.name, dir });
      }
      // 2. The mix.
      const mix = await mixDatasets({
        name: values.name,
        sources,
        out: join(runDir, "mix"),
        balance,
        seed,
      });
      for (const r of mix.repos)
        progress.log(
          `  ${r.name.padEnd(24)} train ${r.trainMixed} of ${r.train}, held out ${r.evalMixed} of ${r.eval}`,
        );
      progress.log(
        `mix: ${mix.manifest.counts.train} train / ${mix.manifest.counts.eval} eval examples (balance ${balance}${mix.duplicatesDropped ? `, ${mix.duplicatesDropped} duplicates dropped` : ""}) in ${mix.dir}`,
      );
      if (mix.manifest.counts.train === 0)
        throw new RepoLoraError(
          "BAD_DATASET",
          "The repositories have no training examples.",
          "Is there code older than the cutoff?",
        );

      // 3. Train into a hidden staging folder of the org key; the bundle appears only once it names its repos.
      const folder = finalDir.split("/").pop() as string;
      staging = join(adaptersDir, key, `.${folder}.tmp-${process.pid}-org`);
      const trainerArgs = [
        "train",
        "--dataset",
        mix.dir,
        "--out",
        staging,
        "--base-model",
        base,
        "--max-tokens",
        String(maxTokens),
      ];
      if (values.config) trainerArgs.push("--config", resolve(values.config));
      trainerArgs.push(...trainerLengthArgs(values));
      if (values["no-eval"]) trainerArgs.push("--no-eval");
      let reporting = false;
      const result = await runTrainer({
        args: trainerArgs,
        signal: cancel.signal,
        onEvent: (event) => {
          if (event.event === "start")
            progress.phase("training", Number((event as { steps?: number }).steps ?? 0));
          else if (event.event === "step")
            progress.update(event.step, `loss ${event.loss?.toFixed(3) ?? "?"}`);
          else if (event.event === "reportProgress") {
            if (!reporting) progress.phase("report card", event.of);
            reporting = true;
            progress.update(event.done);
          }
        },
        onLog: (line) => progress.log(line),
      });
      progress.done();
      if (result.error || !result.done) {
        const code = result.error?.code ?? "TRAINER_FAILED";
        if (code === "CANCELLED")
          throw new RepoLoraError("CANCELLED", "Training cancelled; no adapter was written.");
        throw new RepoLoraError(
          "TRAINER_FAILED",
          `Training failed (${code}): ${result.error?.message ?? `the trainer exited with ${result.exitCode}`}`,
        );
      }
      writeOrgManifest(staging, values.name, key, balance, seed, mix.dir, mix.repos);
      renameSync(staging, finalDir);
      staging = null;
      let active: string | null = null;
      let notActive: string | null = null;
      try {
        active = (await new AdapterRegistry(adaptersDir).activate(finalDir)).id;
      } catch (error) {
        if (!(error instanceof RepoLoraError)) throw error;
        notActive = `${error.message}${error.hint ? ` ${error.hint}` : ""}`;
      }
      if (values.json) {
        const counts = mix.manifest.counts;
        process.stdout.write(
          `${JSON.stringify({ adapterDir: finalDir, key, active, notActive, mix: { dir: mix.dir, counts, repos: mix.repos.map((r) => ({ key: r.key, name: r.name, trainMixed: r.trainMixed, evalMixed: r.evalMixed })) } })}\n`,
        );
      } else {
        process.stdout.write(`Adapter written to ${finalDir}\n`);
        process.stdout.write(
          active ? `Active adapter for ${key}: ${active}\n` : `Not made active: ${notActive}\n`,
        );
      }
      return 0;
    } finally {
      progress.done();
      cancel.dispose();
      if (staging) rmSync(staging, { recursive: true, force: true });
    }
  },
};

/**
 * The trainer recorded the mix's placeholder `repo` ("org:<name>"); an org adapter belongs to no single
 * repository, so `repo` keeps only trainedAt (no root, remote or head: the registry computes no staleness and the
 * editor matches it to no workspace as "this repository's"), and `org` lists the repositories it was trained on.
 * repolora.json is not in its own files{} map, so the bundle's hashes stay valid.
 */
function writeOrgManifest(
  dir: string,
  name: string,
  key: string,
  balance: number,
  seed: number,
  mixDir: string,
  repos: MixedRepo[],
): void {
  const path = join(dir, "repolora.json");
  if (!existsSync(path)) throw new RepoLoraError("TRAINER_FAILED", `The trainer wrote no ${path}.`);
  const manifest = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  const repo = rec(manifest.repo);
  manifest.name = `org ${name} (${repos.map((r) => r.name).join(", ")})`;
  manifest.repo = { remote: null, trainedAt: repo.trainedAt ?? new Date().toISOString() };
  manifest.org = {
    name,
    key,
    balance,
    seed,
    mixDir,
    repos: repos.map((r) => ({
      key: r.key,
      name: r.name,
      root: r.root,
      remote: r.remote,
      head: r.head,
      subdir: r.subdir,
      cutoff: r.cutoff,
      datasetDir: r.dir,
      train: r.train,
      eval: r.eval,
      trainMixed: r.trainMixed,
      evalMixed: r.evalMixed,
    })),
  };
  writeJsonAtomic(path, manifest);
}
