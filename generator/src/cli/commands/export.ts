import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { EXPORT_FORMATS, exportAdapter, isExportFormat } from "../../adapters/export/export.ts";
import { AdapterRegistry, defaultRegistryRoot } from "../../adapters/registry/registry.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { cancelOnSignals, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora export <adapter> --format peft|merged|gguf --out <path> [options]

Writes an adapter in a form other servers load. <adapter> is a registry id (see \`repolora adapters list\`)
or a bundle folder.

Formats:
  peft     The PEFT folder as is (adapter_config.json + adapter_model.safetensors + repolora.json): vLLM
           (--enable-lora --lora-modules name=<out>), LoRAX, TGI (LORA_ADAPTERS).
  merged   Base model + adapter merged into one Hugging Face model folder (safetensors) with peft's
           merge_and_unload(). Needs the base model on disk (a folder or the local Hugging Face cache); nothing
           is downloaded. The base weights' sha256 must match the one the adapter was trained on.
  gguf     A GGUF LoRA adapter file for llama.cpp (--lora), Ollama (ADAPTER) and node-llama-cpp, in
           convert_lora_to_gguf.py's layout, read back and checked against the PEFT weights before it is kept.
           Qwen2 and Llama bases only. Load it with a GGUF of the same base model.

Options:
  --format <f>           peft, merged or gguf (required)
  --out <path>           Output folder (peft, merged) or file (gguf) (required)
  --base <model>         merged: base model folder or hub id (default: the manifest's baseModel.id);
                         gguf: base folder whose config.json gives the architecture
  --arch <qwen2|llama>   gguf: the architecture, when no base folder is at hand
  --dtype <d>            merged: auto (default: the base's), float32, bfloat16 or float16
  --force                Replace an existing output
  --adapters-dir <dir>   Registry root (default ${defaultRegistryRoot()})
  --json                 Print the result as JSON

Examples:
  repolora export myrepo-1a2b3c4d/20261123T101500Z-a1b2c3d4 --format gguf --out ./myrepo-lora.gguf
  repolora export 20261123T1015 --format merged --out ./merged --base ./models/qwen2.5-coder-0.5b`;

export const exportCommand: Command = {
  name: "export",
  summary: "Export an adapter as a PEFT folder, a merged model, or a GGUF LoRA for llama.cpp / Ollama",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      format: { type: "string" },
      out: { type: "string" },
      base: { type: "string" },
      arch: { type: "string" },
      dtype: { type: "string" },
      force: { type: "boolean" },
      "adapters-dir": { type: "string" },
      json: { type: "boolean" },
    });
    const ref = positionals[0];
    if (!ref || positionals.length > 1) throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one adapter.");
    const format = values.format;
    if (!format || !isExportFormat(format))
      throw new RepoLoraError("BAD_ARGUMENT", `--format must be one of ${EXPORT_FORMATS.join(", ")}.`);
    if (!values.out) throw new RepoLoraError("BAD_ARGUMENT", "--out is required.");
    if (values.dtype && !["auto", "float32", "bfloat16", "float16"].includes(values.dtype))
      throw new RepoLoraError("BAD_ARGUMENT", "--dtype must be auto, float32, bfloat16 or float16.");

    let adapterDir: string;
    if (existsSync(resolve(ref, "adapter_config.json"))) {
      adapterDir = resolve(ref);
    } else {
      const entry = await new AdapterRegistry(values["adapters-dir"] ?? defaultRegistryRoot()).get(ref);
      if (entry.status === "broken")
        throw new RepoLoraError("BAD_ARGUMENT", `${entry.id} is broken: ${entry.problems.join("; ")}.`);
      adapterDir = entry.dir;
    }
    const cancel = cancelOnSignals();
    try {
      const result = await exportAdapter({
        adapterDir,
        format,
        out: values.out,
        force: values.force ?? false,
        signal: cancel.signal,
        ...(values.base ? { base: values.base } : {}),
        ...(values.arch ? { arch: values.arch } : {}),
        ...(values.dtype ? { dtype: values.dtype } : {}),
      });
      if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        const check =
          result.maxAbsError === undefined
            ? ""
            : ` (read back: max |ΔW error| ${result.maxAbsError.toExponential(1)})`;
        process.stdout.write(`Exported ${format} to ${result.out}, ${result.bytes} bytes${check}\n`);
      }
      return 0;
    } finally {
      cancel.dispose();
    }
  },
};
