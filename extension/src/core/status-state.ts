/**
 * What the status bar says, editor-independent: one state out of no model / setting up / default / adapter /
 * training / error / off, its label, icon and click command. The vscode layer only renders it.
 */
import { defaultSystemLabel } from "./binding.ts";
import type { RuntimeState } from "./runtime-supervisor.ts";

export type StatusKind = "no-model" | "setup" | "default" | "adapter" | "training" | "error" | "off";

export interface StatusInputs {
  /** A model package was found (setting or prepared default). */
  modelFound: boolean;
  /** The CLI was found (the runtime and training need it). */
  cliFound: boolean;
  /** The first-run set-up: not running, running, or its last run failed (with why). */
  setup: { kind: "idle" } | { kind: "running" } | { kind: "failed"; error: string };
  /** A training run for the active folder is in progress. */
  training: boolean;
  runtime: RuntimeState;
  /** bindingLabel() of the active folder: "off", "default", or the adapters' names. */
  binding: string;
}

export interface StatusView {
  kind: StatusKind;
  /** After "RepoLoRA: ". */
  label: string;
  icon: string;
  /** Why, for the tooltip (errors); empty otherwise. */
  detail: string;
  /** What a click runs. */
  command: string;
}

export function statusState(inputs: StatusInputs): StatusView {
  const view = (kind: StatusKind, label: string, icon: string, detail = "", command = "repolora.menu") => ({
    kind,
    label,
    icon,
    detail,
    command,
  });
  if (!inputs.cliFound)
    return view("error", "error", "$(error)", "the repolora CLI was not found: set repolora.cliPath");
  if (inputs.runtime.kind === "failed")
    return view("error", "error", "$(error)", inputs.runtime.lastError, "repolora.showLog");
  if (inputs.setup.kind === "running") return view("setup", "setting up model…", "$(loading~spin)");
  if (!inputs.modelFound) {
    return inputs.setup.kind === "failed"
      ? view(
          "error",
          "error",
          "$(error)",
          `model set-up failed: ${inputs.setup.error}`,
          "repolora.setupModel",
        )
      : view("no-model", "no model", "$(circle-slash)", "", "repolora.setupModel");
  }
  const runtimeIcon =
    inputs.runtime.kind === "starting"
      ? "$(loading~spin)"
      : inputs.runtime.kind === "backoff"
        ? "$(warning)"
        : "$(sparkle)";
  const serving =
    inputs.binding === "default"
      ? defaultSystemLabel(inputs.runtime.kind === "ready" ? inputs.runtime.info.defaultAdapter : undefined)
      : inputs.binding === "off"
        ? "off"
        : `adapter ${inputs.binding}`;
  if (inputs.training) return view("training", `training · ${serving}`, "$(loading~spin)");
  if (inputs.binding === "off") return view("off", "off", "$(circle-slash)");
  if (inputs.binding === "default") return view("default", serving, runtimeIcon);
  return view("adapter", serving, runtimeIcon);
}
