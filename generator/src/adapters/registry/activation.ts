/**
 * What a training run tells its user after activating its adapter, true even when two runs of one repository
 * race: the activation and the read of what it replaced happen under the registry lock, and active.json is
 * read again afterwards, so a run names a concurrent run's adapter when that one was active just before it,
 * or became active just after it.
 */
import type { ActiveRecord, AdapterEntry, AdapterRegistry } from "./registry.ts";

export interface ActivationOutcome {
  entry: AdapterEntry;
  /** The activation this one replaced, read under the lock. */
  replaced: ActiveRecord | null;
  /** active.json read again after the lock was released. */
  after: ActiveRecord | null;
}

/** Activates `ref` and returns the lines to print. `runStartedAt`: when this run began (ms since epoch). */
export async function activateAndDescribe(
  registry: AdapterRegistry,
  ref: string,
  runStartedAt: number,
  options: { force?: boolean } = {},
): Promise<string[]> {
  const { entry, replaced } = await registry.activateReplacing(ref, options);
  const after = registry.readActive(entry.repoKey).record;
  return describeActivation({ entry, replaced, after }, runStartedAt);
}

export function describeActivation(outcome: ActivationOutcome, runStartedAt: number): string[] {
  const { entry, replaced, after } = outcome;
  const idOf = (record: ActiveRecord) => `${entry.repoKey}/${record.adapter}`;
  const byAnother = (record: ActiveRecord) =>
    ` (made active by another run, pid ${record.pid}, at ${record.activatedAt})`;
  if (after && after.adapter !== entry.name) {
    return [
      `Active adapter for this repository: ${idOf(after)}${byAnother(after)}.`,
      `  ${entry.id} was made active, then replaced by it; \`repolora adapters activate ${entry.id}\` brings it back.`,
    ];
  }
  const lines = [`Active adapter for this repository: ${entry.id}`];
  // An activation newer than this run's start came from a run that trained at the same time.
  if (replaced && replaced.adapter !== entry.name && Date.parse(replaced.activatedAt) >= runStartedAt) {
    lines.push(
      `  It replaces ${idOf(replaced)}${byAnother(replaced)} while this one trained; ` +
        `\`repolora adapters activate ${idOf(replaced)}\` brings that one back.`,
    );
  }
  return lines;
}
