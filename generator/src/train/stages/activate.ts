/**
 * Stage 5 of `repolora train` for a new adapter: it becomes the repository's active one only when its report card
 * beats the default system (see activationDecision); otherwise the previous active adapter stays, and the user can
 * still choose it explicitly.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { activateAndDescribe } from "../../adapters/registry/activation.ts";
import type { AdapterRegistry } from "../../adapters/registry/registry.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { type ActivationInput, activationDecision } from "../default-system.ts";
import type { TrainContext } from "./context.ts";

export async function activateIfBetter(
  ctx: TrainContext,
  registry: AdapterRegistry,
  adapterDir: string,
): Promise<void> {
  const decision = activationDecision({
    verdict: readVerdict(adapterDir),
    noEval: ctx.flags.values["no-eval"] ?? false,
    force: ctx.flags.values.force ?? false,
  });
  if (!decision.activate) {
    ctx.print(`Not made active: ${decision.reason}.`);
    return;
  }
  try {
    // This process's start is the run's start: an activation newer than that came from a concurrent run.
    // The decision above is the rule (force: the registry's own better-than-base check is superseded by it).
    const lines = await activateAndDescribe(registry, adapterDir, performance.timeOrigin, { force: true });
    ctx.print(`${lines.join("\n")} (${decision.reason})`);
  } catch (error) {
    // An unexpected failure (say, active.json not writable) must not pass as success: the adapter is written
    // and stays inactive, and the user sees why.
    if (!(error instanceof RepoLoraError)) throw error;
    ctx.print(`Not made active: ${error.message}\n  ${error.hint ?? ""}`);
  }
}

/** The report card's verdict (report.json), or null when the adapter was not scored. */
function readVerdict(adapterDir: string): ActivationInput["verdict"] {
  const reportPath = join(adapterDir, "report.json");
  if (!existsSync(reportPath)) return null;
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as { verdict?: ActivationInput["verdict"] };
  return report.verdict ?? null;
}
