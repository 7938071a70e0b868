/** The extension's settings (`repolora.*`), typed and defaulted once; read through a getter from the editor. */
import { DEFAULT_PIPELINE_SETTINGS } from "./pipeline.ts";
import type { TrainSettings } from "./training.ts";

export interface Settings {
  modelPackage: string;
  cliPath: string;
  nodePath: string;
  maxTokens: number;
  debounceMs: number;
  contextSize: number;
  threads: number;
  maxPromptTokens: number;
  /** Per language id; "*" is the default for the rest. */
  enable: Record<string, boolean>;
  adaptersDir: string;
  /** BM25 windows of the workspace's files as extra context (the dataset's `--retrieval`). */
  retrieval: { enabled: boolean };
  /** Latency bounds (docs/decisions/2026-12-04-latency-bounds.md). */
  completion: {
    /** Ask as the user types; false: only on the manual trigger (editor.action.inlineSuggest.trigger). */
    automatic: boolean;
    /** Share of the prompt budget the text after the cursor may take. */
    suffixShare: number;
    /** The runtime's time cap per request in ms; 0 = none. */
    timeoutMs: number;
    /** Skip positions whose completion could hardly be shown (mid-word, much text right of the cursor). */
    skipUnshowable: boolean;
    /** Most characters right of the cursor on its line (closers and whitespace not counted). */
    maxLineSuffixChars: number;
    /** Prefill the prompt where the cursor rests this many ms without typing; 0 = off. */
    warmUpMs: number;
  };
  training: Omit<TrainSettings, "adaptersDir">;
}

export const DEFAULT_SETTINGS: Settings = {
  modelPackage: "",
  cliPath: "",
  nodePath: "",
  maxTokens: 128,
  debounceMs: 150,
  contextSize: 8,
  threads: 0,
  maxPromptTokens: 1024,
  enable: { "*": true, plaintext: false, markdown: false, scminput: false },
  adaptersDir: "",
  // Off, as the dataset's (and so the default adapter's training prompts); see docs/EXTENSION.md.
  retrieval: { enabled: false },
  completion: {
    automatic: true,
    suffixShare: DEFAULT_PIPELINE_SETTINGS.suffixShare,
    timeoutMs: DEFAULT_PIPELINE_SETTINGS.timeoutMs,
    skipUnshowable: DEFAULT_PIPELINE_SETTINGS.skipUnshowable,
    maxLineSuffixChars: DEFAULT_PIPELINE_SETTINGS.maxLineSuffixChars,
    warmUpMs: DEFAULT_PIPELINE_SETTINGS.warmUpMs,
  },
  training: { rank: 0, budgetMinutes: 30, baseModel: "", extraArgs: [] },
};

type Get = (key: string) => unknown;

function num(get: Get, key: string, fallback: number, min: number, max: number): number {
  const value = get(key);
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

function bool(get: Get, key: string, fallback: boolean): boolean {
  const value = get(key);
  return typeof value === "boolean" ? value : fallback;
}

function str(get: Get, key: string, fallback: string): string {
  const value = get(key);
  return typeof value === "string" ? value.trim() : fallback;
}

export function readSettings(get: Get): Settings {
  const d = DEFAULT_SETTINGS;
  const enable = get("enable");
  const extra = get("training.extraArgs");
  return {
    modelPackage: str(get, "modelPackage", d.modelPackage),
    cliPath: str(get, "cliPath", d.cliPath),
    nodePath: str(get, "nodePath", d.nodePath),
    maxTokens: num(get, "maxTokens", d.maxTokens, 1, 2048),
    debounceMs: num(get, "debounceMs", d.debounceMs, 0, 5000),
    contextSize: num(get, "contextSize", d.contextSize, 0, 64),
    threads: num(get, "threads", d.threads, 0, 256),
    maxPromptTokens: num(get, "maxPromptTokens", d.maxPromptTokens, 64, 32_768),
    enable:
      enable !== null && typeof enable === "object"
        ? { ...d.enable, ...(enable as Record<string, boolean>) }
        : { ...d.enable },
    adaptersDir: str(get, "adaptersDir", d.adaptersDir),
    retrieval: { enabled: bool(get, "retrieval.enabled", d.retrieval.enabled) },
    completion: {
      automatic: bool(get, "completion.automatic", d.completion.automatic),
      suffixShare: num(get, "completion.suffixShare", d.completion.suffixShare, 0, 0.5),
      timeoutMs: num(get, "completion.timeoutMs", d.completion.timeoutMs, 0, 60_000),
      skipUnshowable: bool(get, "completion.skipUnshowable", d.completion.skipUnshowable),
      maxLineSuffixChars: num(get, "completion.maxLineSuffixChars", d.completion.maxLineSuffixChars, 0, 1000),
      warmUpMs: num(get, "completion.warmUpMs", d.completion.warmUpMs, 0, 60_000),
    },
    training: {
      rank: num(get, "training.rank", d.training.rank, 0, 256),
      budgetMinutes: num(get, "training.budgetMinutes", d.training.budgetMinutes, 0, 24 * 60),
      baseModel: str(get, "training.baseModel", d.training.baseModel),
      extraArgs: Array.isArray(extra) ? extra.filter((a): a is string => typeof a === "string") : [],
    },
  };
}

export function isEnabledFor(settings: Settings, languageId: string): boolean {
  return settings.enable[languageId] ?? settings.enable["*"] ?? true;
}

/** How VS Code asked for a completion: as the user typed, or with the manual trigger. */
export type TriggerKind = "automatic" | "explicit";

/** Whether to answer a request: automatic requests only while automatic completions are on. */
export function answersTrigger(settings: Settings, trigger: TriggerKind): boolean {
  return trigger === "explicit" || settings.completion.automatic;
}
