import { join, resolve } from "node:path";
import { DEFAULT_BASE_MODEL } from "../../train/base-model.ts";
import { dataHome } from "../../train/locations.ts";
import { activateIfBetter } from "../../train/stages/activate.ts";
import { createTrainContext, type TrainContext } from "../../train/stages/context.ts";
import { buildOrReuseDataset } from "../../train/stages/dataset.ts";
import { parseTrainFlags } from "../../train/stages/flags.ts";
import { resolveInputs } from "../../train/stages/inputs.ts";
import { planTraining } from "../../train/stages/plan.ts";
import { trainAdapter } from "../../train/stages/train-adapter.ts";
import { decideUpdate } from "../../train/stages/update-decision.ts";
import { DEFAULT_REPLAY, DEFAULT_TOLERANCE } from "../../train/update.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { cancelOnSignals } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora train <repo> [options]

Builds the repository's dataset, trains a LoRA adapter on it (QLoRA on a CUDA GPU, LoRA on CPU) and prints
its report card on code that entered the repo after the cutoff: the raw base model, the default completion
system (base + the shipped default FIM adapter) and the new adapter, with held-out NLL and completion metrics
and paired 95% intervals. With the embedded default base, the adapter starts from the default adapter's weights.
It becomes the repository's active adapter only when it beats the default system: NLL interval below 0 and the
edit-similarity interval not below 0, on at least 100 held-out examples (all of them when there are fewer).

Options:
  --base <model>        Hugging Face id (local hub cache), model folder, or .gguf file (default ${DEFAULT_BASE_MODEL})
                        (with --update: the active adapter's base; another one is refused)
  --out <dir>           Adapter folder (default: <adapters dir>/<repo>/<time>-<commit>)
  --adapters-dir <dir>  Where adapters live (default: ${join(dataHome(), "adapters")})
  --dataset <dir>       Use an existing dataset folder instead of building one
  --budget <time>       Training time budget, e.g. 10m (default: no budget; steps from --steps or one epoch)
  --steps <n>           Optimizer steps (default: one epoch)
  --rank <n>            LoRA rank (default 16)
  --layers <all|n>      LoRA on all layers or only the last n
  --max-tokens <n>      Prompt budget and sequence cap in tokens (default 1024)
  --config <file>       Trainer JSON config; the flags above override it
  --no-eval             Skip the report card (the adapter is then not made active, unless --force)
  --force               Make the adapter active whatever its report card says
  --from-scratch        Start from fresh LoRA weights instead of the default adapter's
  --cutoff, --subdir, --languages, --seed   As for \`repolora dataset\`
  --json                JSON lines on stdout (phase, dataset, step, eval, done, error) for tools

Incremental retrain:
  --update              Continue the repository's active adapter instead of starting from scratch: train it
                        (same base model, rank, layers and recipe) on the examples of files that changed since
                        the code it was trained on, plus a replay sample of the rest; then score it and the
                        previous adapter on the same held-out examples. It becomes active only if its mean edit
                        similarity is not below the previous adapter's by more than --tolerance (and it beats the
                        base model); otherwise it is kept and the previous adapter stays active.
                        Steps/budget default to the previous run's, scaled to the subset's size.
  --replay <share>      Share of the update's training examples replayed from unchanged files (default ${DEFAULT_REPLAY})
  --tolerance <x>       How far below the previous adapter's edit similarity the update may score and still
                        become active (default ${DEFAULT_TOLERANCE}; negative, e.g. --tolerance=-0.02: it must
                        improve by at least that much)

Examples:
  repolora train . --base ./models/tiny --steps 20
  repolora train . --update --replay 0.3`;

export const trainCommand: Command = {
  name: "train",
  summary: "Build the dataset, train a LoRA adapter for the repository and print its report card",
  help: HELP,
  async run(args) {
    const flags = parseTrainFlags(args);
    const cancel = cancelOnSignals();
    const ctx = createTrainContext(flags, cancel.signal);
    // Said at once: the checks below (git, then Python importing torch) take seconds before anything else shows.
    ctx.log(`train: reading ${resolve(flags.repo)} and checking the trainer environment (Python, torch)…`);
    try {
      return await trainStages(ctx);
    } catch (error) {
      if (error instanceof RepoLoraError)
        // The hint goes with the message: the editor shows only the event (e.g. how to install the trainer).
        ctx.emit({
          event: "error",
          code: error.code,
          message: error.hint ? `${error.message} ${error.hint}` : error.message,
        });
      throw error;
    } finally {
      ctx.progress.done();
      cancel.dispose();
    }
  },
};

/** The stages of a training run, in order; each lives in generator/src/train/stages/. */
async function trainStages(ctx: TrainContext): Promise<number> {
  const inputs = await resolveInputs(ctx);
  const dataset = await buildOrReuseDataset(ctx, inputs);
  const plan = await planTraining(ctx, inputs, dataset);
  if (plan.kind === "upToDate") return 0;
  const adapterDir = await trainAdapter(ctx, inputs, plan, dataset.manifest.options.template);
  if (plan.kind === "update") await decideUpdate(ctx, inputs.registry, plan, adapterDir);
  else if (!ctx.flags.values.out) await activateIfBetter(ctx, inputs.registry, adapterDir);
  return 0;
}
