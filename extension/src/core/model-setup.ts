/**
 * First-run set-up, editor-independent: which model package completions use (the setting, else the embedded
 * default where `repolora model prepare` puts it), when to offer preparing the default, and what the CLI's
 * progress lines say.
 */
import { join } from "node:path";
import {
  isCurrentPackageManifest,
  MODEL_PACKAGE_MANIFEST,
} from "../../../runtime/src/protocol/default-model.ts";

export interface ModelPackage {
  dir: string;
  /** "setting": repolora.modelPackage; "default": the embedded default, found in its usual folder. */
  origin: "setting" | "default";
}

/**
 * The setting wins (even a wrong one: the runtime then says what is wrong); else a prepared default of the
 * package schema this version runs. A default an older version prepared counts as none, so the first-run
 * offer prepares it again (`model prepare` replaces an outdated default by itself).
 */
export function findModelPackage(options: {
  setting: string;
  defaultDir: string;
  /** The file's text, null when it cannot be read. */
  readText: (path: string) => string | null;
}): ModelPackage | null {
  if (options.setting) return { dir: options.setting, origin: "setting" };
  if (isCurrentPackageManifest(options.readText(join(options.defaultDir, MODEL_PACKAGE_MANIFEST))))
    return { dir: options.defaultDir, origin: "default" };
  return null;
}

/** `repolora model prepare` with no model prepares the embedded default into its usual folder. */
export const SETUP_ARGS = ["model", "prepare"] as const;

export interface OfferState {
  /** A model package was found: nothing to offer. */
  found: boolean;
  /** Already offered in this editor session (once per session, never per keystroke). */
  offered: boolean;
  /** The user chose "Don't Ask Again" (kept across sessions). */
  declined: boolean;
  /** A set-up is running now. */
  running: boolean;
}

export function shouldOfferSetup(state: OfferState): boolean {
  return !state.found && !state.offered && !state.declined && !state.running;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

/**
 * The progress notification's message for one stderr line of the set-up (the fetch script's and the CLI's
 * own lines), or null for a line not worth showing. Carriage-return progress bars keep their last state.
 */
export function setupProgressMessage(line: string, maxChars = 120): string | null {
  const text = (
    line
      .split("\r")
      .filter((part) => part.trim())
      .at(-1) ?? ""
  )
    .replace(ANSI, "")
    .trim();
  if (!text) return null;
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
