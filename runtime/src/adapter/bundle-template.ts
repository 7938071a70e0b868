/**
 * The prompt template an adapter was trained with, as its bundle records it (repolora.json `prompt.template`,
 * written by the trainer from the dataset's records). Bundles from before the field, and plain PEFT folders,
 * record none: they were trained with the base model's native template.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_FILE as BUNDLE_MANIFEST_FILE } from "../contracts/bundle-manifest.ts";
import { AdapterError } from "../errors.ts";
import { isTemplateId, TEMPLATE_IDS, type TemplateId } from "../prompt/index.ts";

/** What the runtime reads of a bundle's repolora.json: the base model it was trained on and its prompt template. */
export interface BundleManifestFields {
  baseModel?: { id?: string; sha256?: string };
  prompt?: { template?: unknown };
}

/** A bundle's repolora.json, or null for a plain PEFT folder (none); an unreadable one is an adapter error. */
export function readBundleManifest(dir: string): BundleManifestFields | null {
  const path = join(dir, BUNDLE_MANIFEST_FILE);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as BundleManifestFields;
  } catch (error) {
    throw new AdapterError("adapter-config-invalid", `${path} cannot be read: ${(error as Error).message}`);
  }
}

/** The recorded template id, or null when none is recorded (= the model package's native template). */
export function readBundleTemplate(dir: string): TemplateId | null {
  const path = join(dir, BUNDLE_MANIFEST_FILE);
  const id = readBundleManifest(dir)?.prompt?.template;
  if (id === undefined || id === null) return null;
  if (typeof id !== "string" || !isTemplateId(id))
    throw new AdapterError(
      "adapter-template-unsupported",
      `${path} records prompt template ${JSON.stringify(id)}, which this runtime does not know (it knows ${TEMPLATE_IDS.join(", ")}); update repolora or retrain the adapter`,
    );
  return id;
}
