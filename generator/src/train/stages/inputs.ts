/**
 * Stage 1 of `repolora train`: the repository, the registry, the adapter an --update continues, the base model
 * and the trainer environment, all checked before anything slow.
 */
import { join, resolve } from "node:path";
import { repoKey } from "../../../../runtime/src/contracts/registry.ts";
import type { TemplateId } from "../../../../runtime/src/prompt/index.ts";
import { AdapterRegistry } from "../../adapters/registry/registry.ts";
import { numberOption } from "../../cli/args.ts";
import { openRepo, type RepoInfo } from "../../mine/repo.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { resolveBaseModel } from "../base-model.ts";
import { defaultAdapterFor, trainingTemplate } from "../default-system.ts";
import { dataHome } from "../locations.ts";
import { checkTrainerEnv } from "../python-env.ts";
import { findPreviousAdapter, type PreviousAdapter, updateBaseModel } from "../update.ts";
import type { TrainContext } from "./context.ts";

export interface TrainInputs {
  info: RepoInfo;
  /** The repository's key in the registry. */
  key: string;
  adaptersDir: string;
  registry: AdapterRegistry;
  /** --update: the active adapter to continue; null otherwise. */
  previous: PreviousAdapter | null;
  base: string;
  /** The shipped default adapter for `base` (the report card's baseline), or null. */
  defaultAdapter: string | null;
  /** The prompt template the dataset is built with (trainingTemplate's rule). */
  template: TemplateId;
  maxTokens: number;
  seed: number;
}

export async function resolveInputs(ctx: TrainContext): Promise<TrainInputs> {
  const { values } = ctx.flags;
  const { info } = await openRepo(ctx.flags.repo, values.subdir);
  const key = repoKey(info.name, info.remote ?? info.root);
  const adaptersDir = resolve(values["adapters-dir"] ?? join(dataHome(), "adapters"));
  const registry = new AdapterRegistry(adaptersDir);
  // --update: the adapter to continue, checked before anything slow.
  const previous = ctx.flags.update ? await findPreviousAdapter(registry, key, info.root) : null;
  const base = previous
    ? updateBaseModel(previous, values.base)
    : await resolveBaseModel(values.base, ctx.log);
  const defaultAdapter = defaultAdapterFor(base);
  const template = trainingTemplate(base, defaultAdapter, previous?.entry.dir ?? null);
  if (previous) checkUpdateRank(previous, values.rank);
  const previousMaxTokens = Number(previous?.trainConfig?.max_tokens) || 1024;
  const maxTokens = numberOption("max-tokens", values["max-tokens"], previousMaxTokens, 64);
  const env = await checkTrainerEnv();
  ctx.log(`trainer: torch ${env.versions.torch}, ${env.cuda ? "CUDA found: QLoRA" : "no CUDA: LoRA on CPU"}`);
  if (previous)
    ctx.log(
      `updating ${previous.entry.id} (base ${base}, r=${previous.entry.rank}, trained on ${previous.trainedCommit.slice(0, 8)})`,
    );
  const seed = numberOption("seed", values.seed, 1);
  return { info, key, adaptersDir, registry, previous, base, defaultAdapter, template, maxTokens, seed };
}

/** An update continues the previous adapter's weights, so an explicit --rank must be its rank. */
export function checkUpdateRank(previous: PreviousAdapter, rank: string | undefined): void {
  if (rank === undefined || numberOption("rank", rank, 16, 1) === previous.entry.rank) return;
  throw new RepoLoraError(
    "BAD_ARGUMENT",
    `--rank ${rank} differs from the active adapter's rank (${previous.entry.rank}); an update continues its weights.`,
    "Leave --rank out, or train without --update.",
  );
}
