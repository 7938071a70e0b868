/**
 * `repolora adapters import`: takes a PEFT LoRA adapter made elsewhere (any rank, any subset of modules,
 * rsLoRA, rank/alpha patterns), validates it with the runtime's own loader — the same code that will serve it,
 * so whatever it refuses (DoRA, biases, modules_to_save, unknown tensors, wrong shapes, another base model) is
 * refused here with the runtime's message — and registers it as a bundle with a `repolora.json`. NaN/Inf weights
 * are refused with or without a model package.
 */
import { copyFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPeftAdapter, readPeftLoraConfig } from "../../../../runtime/src/adapter/peft-adapter.ts";
import { IMPORTED_REPO_KEY, repoKey as makeRepoKey } from "../../../../runtime/src/contracts/registry.ts";
import { withSafetensors } from "../../../../runtime/src/safetensors/read.ts";
import { stageDir } from "../../util/atomic.ts";
import { RepoLoraError } from "../../util/errors.ts";
import {
  findNonFiniteWeights,
  MANIFEST_FILE,
  nonFiniteMessage,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
  sha256File,
} from "./bundle.ts";
import { openPackageIfAny } from "./model-package.ts";
import { type AdapterEntry, type AdapterRegistry, writeJsonAtomic } from "./registry.ts";

export interface ImportOptions {
  source: string;
  /** A model package folder (full shape check) or a base model id (config check only). */
  base: string;
  /** The repository the adapter belongs to; without it the adapter is filed under `_imported/`. */
  repo?: { name: string; root: string; remote: string | null; head: string; subdir?: string } | null;
  /** Folder name in the registry (default: <UTC stamp>-imported-<8 hex of the weights>). */
  name?: string;
  activate?: boolean;
}

const TENSOR = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

function refuse(error: unknown): never {
  const message = (error as Error).message;
  throw new RepoLoraError("BAD_ARGUMENT", `Cannot import this adapter: ${message}`);
}

export async function importPeftAdapter(
  registry: AdapterRegistry,
  options: ImportOptions,
): Promise<AdapterEntry> {
  const source = resolve(options.source);
  if (!existsSync(join(source, PEFT_CONFIG_FILE)) || !existsSync(join(source, PEFT_WEIGHTS_FILE))) {
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `${source} is not a PEFT adapter folder (needs ${PEFT_CONFIG_FILE} and ${PEFT_WEIGHTS_FILE}).`,
      existsSync(join(source, "adapter_model.bin"))
        ? "adapter_model.bin is a pickle and is never loaded: save it again with safe_serialization=True."
        : undefined,
    );
  }
  const nonFinite = findNonFiniteWeights(join(source, PEFT_WEIGHTS_FILE));
  if (nonFinite)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `Cannot import this adapter: ${nonFiniteMessage(source, nonFinite)}.`,
      "Export it again from a run whose loss stayed finite.",
    );
  let config: ReturnType<typeof readPeftLoraConfig>;
  try {
    config = readPeftLoraConfig(source);
  } catch (error) {
    refuse(error);
  }
  const pkg = openPackageIfAny(options.base);
  let baseModel: { id: string; revision: string | null; sha256: string | null; modelType?: string };
  if (pkg) {
    try {
      loadPeftAdapter(source, pkg.lora); // every tensor name and shape against the graph's LoRA inputs
    } catch (error) {
      refuse(error);
    }
    const ref = pkg.manifest.baseModel;
    baseModel = {
      id: ref.id,
      revision: ref.revision ?? null,
      sha256: ref.weightsSha256,
      modelType: ref.modelType,
    };
  } else {
    if (config.baseModel !== null && config.baseModel !== options.base) {
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `Cannot import this adapter: it was trained on "${config.baseModel}" (adapter_config.json base_model_name_or_path), not "${options.base}".`,
        `Pass --base ${config.baseModel}, or a model package (repolora model prepare) of that model.`,
      );
    }
    baseModel = { id: options.base, revision: null, sha256: null };
  }

  // What the adapter covers, from the tensor names (the package check above already vetted them when given).
  const modules = new Set<string>();
  const layers = new Set<number>();
  let tensorError: string | null = null;
  withSafetensors(join(source, PEFT_WEIGHTS_FILE), (file) => {
    for (const name of file.names()) {
      const match = TENSOR.exec(name);
      if (!match) {
        tensorError = `tensor ${name} is not a lora_A/lora_B weight`;
        continue;
      }
      const path = match[1] as string;
      modules.add(path.split(".").at(-1) as string);
      const layer = /\.layers\.(\d+)\./.exec(path);
      if (layer) layers.add(Number(layer[1]));
    }
  });
  if (tensorError) refuse(new Error(tensorError));
  if (modules.size === 0) refuse(new Error("adapter_model.safetensors holds no LoRA tensors"));

  const weightsSha = await sha256File(join(source, PEFT_WEIGHTS_FILE));
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const name = options.name ?? `${stamp}-imported-${weightsSha.slice(0, 8)}`;
  if (!/^[\w.-]+$/.test(name) || name.startsWith("."))
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `'${name}' is not a valid adapter name (letters, digits, . _ -).`,
    );
  const key = options.repo
    ? makeRepoKey(options.repo.name, options.repo.remote ?? options.repo.root)
    : IMPORTED_REPO_KEY;
  const target = registry.adapterDir(key, name);
  if (existsSync(target))
    throw new RepoLoraError("OUTPUT_EXISTS", `${target} already exists.`, "Choose another --name.");

  const staged = await stageDir(target);
  try {
    copyFileSync(join(source, PEFT_CONFIG_FILE), join(staged.path, PEFT_CONFIG_FILE));
    copyFileSync(join(source, PEFT_WEIGHTS_FILE), join(staged.path, PEFT_WEIGHTS_FILE));
    const manifest = {
      schema: 1,
      baseModel,
      repo: {
        root: options.repo?.root ?? null,
        subdir: options.repo?.subdir ?? null,
        remote: options.repo?.remote ?? null,
        head: options.repo?.head ?? null,
        trainedAt: null,
      },
      lora: {
        r: config.r,
        alpha: config.loraAlpha,
        useRslora: config.useRslora,
        rankPattern: config.rankPattern,
        alphaPattern: config.alphaPattern,
        targets: [...modules].sort(),
        layers: [...layers].sort((a, b) => a - b),
      },
      report: null,
      imported: {
        from: source,
        at: new Date().toISOString(),
        validatedAgainst: pkg ? "model package" : "config only",
      },
      files: {
        [PEFT_CONFIG_FILE]: await sha256File(join(staged.path, PEFT_CONFIG_FILE)),
        [PEFT_WEIGHTS_FILE]: weightsSha,
      },
    };
    writeJsonAtomic(join(staged.path, MANIFEST_FILE), manifest);
    await registry.withLock(() => staged.commit());
  } finally {
    await staged.discard();
  }
  if (options.activate) await registry.activate(`${key}/${name}`, { force: true });
  return registry.get(`${key}/${name}`, { staleness: true });
}
