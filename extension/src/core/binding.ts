/**
 * Per-workspace adapter binding, kept in the editor's workspace state: which adapters (up to three, each with a
 * weight) a workspace folder completes with, and whether completions are off there.
 */
import type { WeightedAdapter } from "../../../runtime/src/protocol/index.ts";

export interface BoundAdapter {
  dir: string;
  weight: number;
}

export interface WorkspaceBinding {
  adapters: BoundAdapter[];
  disabled: boolean;
  /**
   * True when the user chose the adapters (or "None") for this folder; false when never chosen, or when told
   * to follow the registry again: then the repository's active adapter (its `active.json`) applies.
   * Absent means true (a binding built in code is a choice).
   */
  explicit?: boolean;
}

export const MAX_STACK = 3;
export const EMPTY_BINDING: WorkspaceBinding = { adapters: [], disabled: false, explicit: false };

/** The editor's Memento, or a Map in tests. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** Why a stack cannot be used, or null when it can. */
export function validateStack(adapters: BoundAdapter[]): string | null {
  if (adapters.length > MAX_STACK)
    return `at most ${MAX_STACK} adapters can be stacked, got ${adapters.length}`;
  const dirs = new Set<string>();
  for (const adapter of adapters) {
    if (!Number.isFinite(adapter.weight) || adapter.weight < -4 || adapter.weight > 4) {
      return `weight of ${adapter.dir} must be a number in [-4, 4], got ${adapter.weight}`;
    }
    if (dirs.has(adapter.dir)) return `${adapter.dir} is in the stack twice`;
    dirs.add(adapter.dir);
  }
  return null;
}

/** Parses "0.5" / "1" into a weight, or null. */
export function parseWeight(text: string): number | null {
  const value = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(value) && value >= -4 && value <= 4 ? value : null;
}

export class BindingStore {
  constructor(private readonly store: KeyValueStore) {}

  private key(workspace: string): string {
    return `repolora.binding:${workspace}`;
  }

  /** What is stored: `explicit` false (and no adapters) when the folder follows the registry. */
  get(workspace: string): WorkspaceBinding {
    const stored = this.store.get<Partial<WorkspaceBinding>>(this.key(workspace));
    const explicit = Array.isArray(stored?.adapters);
    return {
      adapters: explicit ? stored!.adapters!.filter((a) => typeof a?.dir === "string") : [],
      disabled: stored?.disabled === true,
      explicit,
    };
  }

  async set(workspace: string, binding: WorkspaceBinding): Promise<void> {
    const problem = validateStack(binding.adapters);
    if (problem) throw new RangeError(problem);
    await this.store.update(
      this.key(workspace),
      binding.explicit === false
        ? { disabled: binding.disabled }
        : { adapters: binding.adapters, disabled: binding.disabled },
    );
  }

  /** Changing `adapters` makes the binding explicit unless the change says `explicit: false`. */
  async update(workspace: string, change: Partial<WorkspaceBinding>): Promise<WorkspaceBinding> {
    const next = { ...this.get(workspace), ...change };
    if (change.adapters && change.explicit === undefined) next.explicit = true;
    if (next.explicit === false) next.adapters = [];
    await this.set(workspace, next);
    return next;
  }
}

/**
 * The binding that applies: the stored one when explicit, else the registry's default (the repository's active
 * adapter, weight 1) with the stored disabled flag.
 */
export function effectiveBinding(stored: WorkspaceBinding, registryDefault: string | null): WorkspaceBinding {
  if (stored.explicit !== false) return stored;
  return {
    adapters: registryDefault ? [{ dir: registryDefault, weight: 1 }] : [],
    disabled: stored.disabled,
    explicit: false,
  };
}

/** The runtime's view of a binding, given each bundle's cache key (bundles that vanished are dropped). */
export function toWeightedAdapters(
  binding: WorkspaceBinding,
  keyOf: (dir: string) => string | null,
): WeightedAdapter[] {
  const out: WeightedAdapter[] = [];
  for (const adapter of binding.adapters) {
    const key = keyOf(adapter.dir);
    if (key) out.push({ key, weight: adapter.weight });
  }
  return out;
}

/** Short label for the status bar: "base", "myrepo", "myrepo ×0.5 + org". */
export function bindingLabel(binding: WorkspaceBinding, nameOf: (dir: string) => string): string {
  if (binding.disabled) return "off";
  // No adapter of its own: the runtime completes with the default system (see defaultSystemLabel).
  if (binding.adapters.length === 0) return "default";
  return binding.adapters
    .map((a) => (a.weight === 1 ? nameOf(a.dir) : `${nameOf(a.dir)} ×${a.weight}`))
    .join(" + ");
}

/**
 * What "default" means once the runtime has started: the shipped default adapter on the base model, or the raw
 * base when the runtime refused it (initialize's defaultAdapter says why).
 */
export function defaultSystemLabel(
  defaultAdapter: { active: boolean; problem?: string } | null | undefined,
): string {
  if (defaultAdapter === undefined) return "default";
  return defaultAdapter?.active ? "default" : "base (no default adapter)";
}
