/**
 * One adapter bundle on disk, read defensively: PEFT files + `repolora.json` (+ `report.json`). A bundle that was
 * half deleted or edited by hand is reported as broken with the reasons, never thrown on, so `adapters list`
 * always shows every folder.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  type BundleManifest,
  MANIFEST_FILE,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
  REPORT_FILE,
} from "../../../../runtime/src/contracts/bundle-manifest.ts";
import { describeNonFinite, withSafetensors } from "../../../../runtime/src/safetensors/read.ts";

export { type BundleManifest, MANIFEST_FILE, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE, REPORT_FILE };

export interface BundleInfo {
  dir: string;
  /** null when repolora.json is missing or not a JSON object. */
  manifest: BundleManifest | null;
  /** report.json, else the manifest's copy of it; null when neither. */
  report: Record<string, unknown> | null;
  /** Empty when the bundle is healthy; otherwise one sentence per problem. */
  problems: string[];
  /** The first NaN/Inf tensor of the weights ("tensor … holds NaN at element …"), or null; checked with `verify`. */
  nonFinite: string | null;
  /** Total bytes of the files in the folder (top level). */
  bytes: number;
}

function readJsonObject(path: string): { value: Record<string, unknown> | null; error: string | null } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { value: null, error: `cannot read ${path}: ${(error as Error).message}` };
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== "object" || Array.isArray(value))
      return { value: null, error: "is not a JSON object" };
    return { value: value as Record<string, unknown>, error: null };
  } catch (error) {
    return { value: null, error: `is not valid JSON (${(error as Error).message})` };
  }
}

/**
 * The first NaN/±Inf in an adapter's safetensors, described, or null when every tensor is finite. A file that is
 * not readable safetensors also gives null: the runtime's loader refuses it with its own reason.
 */
export function findNonFiniteWeights(weightsPath: string): string | null {
  try {
    return withSafetensors(weightsPath, (file) => {
      const bad = file.findNonFinite();
      return bad ? describeNonFinite(bad) : null;
    });
  } catch {
    return null;
  }
}

/** The refusal every entry point (activate, import, export) gives for non-finite weights. */
export function nonFiniteMessage(what: string, nonFinite: string): string {
  return `${what} has non-finite weights: ${nonFinite}. Such an adapter yields only empty or garbage completions`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** True when the folder looks like an adapter bundle (healthy or not) rather than some other folder. */
export function looksLikeBundle(dir: string): boolean {
  return [MANIFEST_FILE, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE].some((f) => existsSync(join(dir, f)));
}

/**
 * Reads and checks a bundle: manifest present and valid, PEFT files present, and (unless `verify` is false)
 * every file in `files{}` there with the recorded sha256 and every weight finite (no NaN/Inf).
 */
export async function readBundle(dir: string, options: { verify?: boolean } = {}): Promise<BundleInfo> {
  const problems: string[] = [];
  let manifest: BundleManifest | null = null;
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    problems.push(`${MANIFEST_FILE} is missing`);
  } else {
    const { value, error } = readJsonObject(join(dir, MANIFEST_FILE));
    if (error) problems.push(`${MANIFEST_FILE} ${error}`);
    manifest = value as BundleManifest | null;
  }
  for (const file of [PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE]) {
    if (!existsSync(join(dir, file))) problems.push(`${file} is missing`);
  }
  if (existsSync(join(dir, PEFT_CONFIG_FILE))) {
    const { error } = readJsonObject(join(dir, PEFT_CONFIG_FILE));
    if (error) problems.push(`${PEFT_CONFIG_FILE} ${error}`);
  }
  let report: Record<string, unknown> | null = null;
  if (existsSync(join(dir, REPORT_FILE))) {
    const { value, error } = readJsonObject(join(dir, REPORT_FILE));
    if (error) problems.push(`${REPORT_FILE} ${error}`);
    report = value;
  } else if (manifest?.report && typeof manifest.report === "object") {
    report = manifest.report as Record<string, unknown>;
  }
  if (manifest) {
    const files = manifest.files;
    if (files === undefined || files === null || typeof files !== "object" || Array.isArray(files)) {
      problems.push(`${MANIFEST_FILE} has no files{} map of sha256 hashes`);
    } else {
      for (const [name, digest] of Object.entries(files)) {
        const path = join(dir, name);
        if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
          problems.push(`${MANIFEST_FILE} lists an unexpected file name '${name}'`);
        } else if (!existsSync(path)) {
          problems.push(`${name} is listed in ${MANIFEST_FILE} but missing`);
        } else if (options.verify !== false && (await sha256File(path)) !== digest) {
          problems.push(`${name} does not match its sha256 in ${MANIFEST_FILE} (edited or corrupted)`);
        }
      }
    }
  }
  let nonFinite: string | null = null;
  if (options.verify !== false && existsSync(join(dir, PEFT_WEIGHTS_FILE))) {
    nonFinite = findNonFiniteWeights(join(dir, PEFT_WEIGHTS_FILE));
    if (nonFinite) problems.push(`${PEFT_WEIGHTS_FILE}: ${nonFinite} (non-finite weights: retrain it)`);
  }
  return { dir, manifest, report, problems, nonFinite, bytes: folderBytes(dir) };
}

function folderBytes(dir: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile()) total += statSync(join(dir, entry.name)).size;
    }
  } catch {
    // unreadable folder: its problems are reported elsewhere
  }
  return total;
}
