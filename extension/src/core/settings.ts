/** The extension's settings (`repolora.*`), typed and defaulted once; read through a getter from the editor. */
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
  training: { rank: 16, budgetMinutes: 30, baseModel: "", extraArgs: [] },
};

type Get = (key: string) => unknown;

function num(get: Get, key: string, fallback: number, min: number, max: number): number {
  const value = get(key);
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
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
    retrieval: {
      enabled:
        typeof get("retrieval.enabled") === "boolean"
          ? (get("retrieval.enabled") as boolean)
          : d.retrieval.enabled,
    },
    training: {
      rank: num(get, "training.rank", d.training.rank, 1, 256),
      budgetMinutes: num(get, "training.budgetMinutes", d.training.budgetMinutes, 0, 24 * 60),
      baseModel: str(get, "training.baseModel", d.training.baseModel),
      extraArgs: Array.isArray(extra) ? extra.filter((a): a is string => typeof a === "string") : [],
    },
  };
}

export function isEnabledFor(settings: Settings, languageId: string): boolean {
  return settings.enable[languageId] ?? settings.enable["*"] ?? true;
}
