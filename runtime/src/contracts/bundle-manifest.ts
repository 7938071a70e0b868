/**
 * An adapter bundle on disk: PEFT's two files, `repolora.json` (this manifest, written by the trainer:
 * generator/trainer/repolora_trainer/commands.py and bundle.py) and `report.json` (the report card). The registry,
 * the runtime's adapter loader and the extension read bundles; every reader is defensive, so the schema is loose
 * (unknown keys kept, every field optional) and says what each known field holds.
 */
import { z } from "zod";

export const BUNDLE_MANIFEST_SCHEMA = 1;

export const MANIFEST_FILE = "repolora.json";
export const REPORT_FILE = "report.json";
export const PEFT_CONFIG_FILE = "adapter_config.json";
export const PEFT_WEIGHTS_FILE = "adapter_model.safetensors";

const text = z.string().nullable().optional();

export const BundleManifest = z
  .object({
    schema: z.number().optional(),
    /** A display name (imported bundles); else one is made from the repository and commit. */
    name: z.string().optional(),
    baseModel: z.object({ id: z.string().optional(), revision: text, sha256: text }).passthrough().optional(),
    /** The repository and commit it was trained on (trainedAt: when; a retrain in place changes it). */
    repo: z
      .object({ root: text, subdir: text, remote: text, head: text, trainedAt: text })
      .passthrough()
      .optional(),
    lora: z
      .object({
        r: z.number().optional(),
        alpha: z.number().optional(),
        useRslora: z.boolean().optional(),
        targets: z.array(z.string()).optional(),
      })
      .passthrough()
      .optional(),
    /** File name → sha256 of each file of the bundle (repolora.json itself excluded). */
    files: z.record(z.string(), z.string()).optional(),
    /** An org-wide adapter (`repolora org-train`): the repositories it was trained on. */
    org: z
      .object({ repos: z.array(z.object({ root: text, remote: text, head: text }).passthrough()) })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type BundleManifest = z.infer<typeof BundleManifest>;

/** A file name `files{}` may list: a plain name inside the bundle folder, never a path or a hidden file. */
export function isBundleFileName(name: string): boolean {
  return name.length > 0 && !name.includes("/") && !name.includes("\\") && !name.startsWith(".");
}
