/**
 * `repolora export`: an adapter from the registry (or any bundle folder) in a form other servers load.
 *   peft   — the bundle folder as is (vLLM --enable-lora, LoRAX, TGI read adapter_config.json + safetensors);
 *   merged — base + adapter merged into one Hugging Face model folder (generator/trainer/tools/merge_adapter.py);
 *   gguf   — a GGUF LoRA file for llama.cpp --lora / Ollama ADAPTER (generator/trainer/tools/export_gguf_lora.py).
 * Every output is written beside its target and renamed into place: a failed export leaves nothing behind.
 * An adapter with NaN/Inf weights is refused in every format (a merged model would carry them into every layer).
 */
import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { localModelDir } from "../../train/base-model.ts";
import { PROJECT_ROOT, trainerPython } from "../../train/python-env.ts";
import { stageDir } from "../../util/atomic.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { findNonFiniteWeights, nonFiniteMessage } from "../registry/bundle.ts";

export const EXPORT_FORMATS = ["peft", "merged", "gguf"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** The adapter bundle folder. */
  adapterDir: string;
  format: ExportFormat;
  out: string;
  /** merged: the base model folder or hub id (default: the manifest's baseModel.id). gguf: its folder, for config.json. */
  base?: string;
  /** gguf: architecture when no base folder is at hand (qwen2, llama). */
  arch?: string;
  /** merged: dtype of the saved weights (default auto: the base model's). */
  dtype?: string;
  force?: boolean;
  signal?: AbortSignal;
}

export interface ExportResult {
  format: ExportFormat;
  out: string;
  bytes: number;
  /** gguf: largest |ΔW| difference between the GGUF as llama.cpp applies it and PEFT, from reading it back. */
  maxAbsError?: number;
  tensors?: number;
}

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

const TOOLS = join(PROJECT_ROOT, "generator", "trainer", "tools");

function bytesOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesOf(join(path, name)), 0);
}

interface ToolEvent {
  event: string;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

/** Runs one of the Python tools; resolves with its last JSON line, or throws its error event as RepoLoraError. */
function runTool(script: string, args: string[], signal?: AbortSignal): Promise<ToolEvent> {
  const python = trainerPython();
  return new Promise((resolvePromise, reject) => {
    execFile(
      python,
      [join(TOOLS, script), ...args],
      { maxBuffer: 16 << 20, env: { ...process.env, HF_HUB_OFFLINE: "1" }, ...(signal ? { signal } : {}) },
      (error, stdout, stderr) => {
        const last = stdout.trim().split("\n").filter(Boolean).pop();
        let event: ToolEvent | null = null;
        try {
          event = last ? (JSON.parse(last) as ToolEvent) : null;
        } catch {
          event = null;
        }
        if (event?.event === "error") {
          reject(new RepoLoraError("BAD_ARGUMENT", `${script}: ${event.message ?? event.code ?? "failed"}`));
        } else if (error || !event) {
          if (signal?.aborted)
            reject(new RepoLoraError("CANCELLED", "Export cancelled; nothing was written."));
          else
            reject(
              new RepoLoraError(
                "TRAINER_FAILED",
                `${script} failed: ${(stderr || String(error)).trim().split("\n").slice(-3).join(" | ")}`,
              ),
            );
        } else resolvePromise(event);
      },
    );
  });
}

function readManifestBase(adapterDir: string): { id: string | null; modelType: string | null } {
  try {
    const manifest = JSON.parse(readFileSync(join(adapterDir, "repolora.json"), "utf8")) as {
      baseModel?: { id?: unknown; modelType?: unknown };
    };
    return {
      id: typeof manifest.baseModel?.id === "string" ? manifest.baseModel.id : null,
      modelType: typeof manifest.baseModel?.modelType === "string" ? manifest.baseModel.modelType : null,
    };
  } catch {
    return { id: null, modelType: null };
  }
}

export async function exportAdapter(options: ExportOptions): Promise<ExportResult> {
  const adapterDir = resolve(options.adapterDir);
  const out = resolve(options.out);
  for (const file of ["adapter_config.json", "adapter_model.safetensors"]) {
    if (!existsSync(join(adapterDir, file)))
      throw new RepoLoraError("BAD_ARGUMENT", `${adapterDir} lacks ${file}: not a PEFT adapter bundle.`);
  }
  const nonFinite = findNonFiniteWeights(join(adapterDir, "adapter_model.safetensors"));
  if (nonFinite)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `Cannot export: ${nonFiniteMessage(adapterDir, nonFinite)}.`,
      "Retrain the adapter (a lower learning rate); nothing was written.",
    );
  if (existsSync(out) && !options.force)
    throw new RepoLoraError("OUTPUT_EXISTS", `${out} already exists.`, "Pass --force to replace it.");

  if (options.format === "peft") {
    const staged = await stageDir(out);
    try {
      for (const name of readdirSync(adapterDir)) {
        const path = join(adapterDir, name);
        if (!name.startsWith(".") && statSync(path).isFile()) copyFileSync(path, join(staged.path, name));
      }
      await staged.commit();
    } finally {
      await staged.discard();
    }
    return { format: "peft", out, bytes: bytesOf(out) };
  }

  if (options.format === "merged") {
    const base = options.base ?? readManifestBase(adapterDir).id;
    if (!base)
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        "The adapter does not name its base model.",
        "Pass --base <base model folder>.",
      );
    const staged = await stageDir(out);
    try {
      const event = await runTool(
        "merge_adapter.py",
        ["--adapter", adapterDir, "--base", base, "--out", staged.path, "--dtype", options.dtype ?? "auto"],
        options.signal,
      );
      await staged.commit();
      return { format: "merged", out, bytes: bytesOf(out), tensors: Number(event.tensors) };
    } finally {
      await staged.discard();
    }
  }

  // gguf: one file, written to a hidden sibling and renamed.
  mkdirSync(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}.gguf`);
  const args = ["--adapter", adapterDir, "--out", tmp];
  if (options.arch) args.push("--arch", options.arch);
  else {
    // config.json of the base, from a folder or the local hub cache; else the tool reads repolora.json's modelType.
    const baseId = options.base ?? readManifestBase(adapterDir).id;
    const baseDir = baseId ? localModelDir(baseId) : null;
    if (baseDir && existsSync(join(baseDir, "config.json"))) args.push("--base", baseDir);
  }
  try {
    const event = await runTool("export_gguf_lora.py", args, options.signal);
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    return {
      format: "gguf",
      out,
      bytes: bytesOf(out),
      maxAbsError: Number(event.maxAbsError),
      tensors: Number(event.tensors),
    };
  } finally {
    rmSync(tmp, { force: true });
  }
}
