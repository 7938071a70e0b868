import { describe, expect, it } from "vitest";
import {
  BindingStore,
  bindingLabel,
  defaultSystemLabel,
  effectiveBinding,
  type KeyValueStore,
  parseWeight,
  toWeightedAdapters,
  validateStack,
} from "./binding.ts";

function memento(): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(key: string) => data.get(key) as T | undefined,
    update: async (key, value) => {
      data.set(key, value);
    },
  };
}

describe("BindingStore", () => {
  it("defaults to no choice (the registry's active adapter applies), enabled", () => {
    expect(new BindingStore(memento()).get("file:///w")).toEqual({
      adapters: [],
      disabled: false,
      explicit: false,
    });
  });

  it("keeps each workspace's binding apart", async () => {
    const store = new BindingStore(memento());
    await store.set("file:///a", { adapters: [{ dir: "/ad/a", weight: 1 }], disabled: false });
    await store.update("file:///b", { disabled: true });
    expect(store.get("file:///a").adapters).toEqual([{ dir: "/ad/a", weight: 1 }]);
    // Disabling is not a choice of adapters: b still follows the registry.
    expect(store.get("file:///b")).toEqual({ adapters: [], disabled: true, explicit: false });
  });

  it("refuses more than three adapters", async () => {
    const store = new BindingStore(memento());
    const four = ["a", "b", "c", "d"].map((dir) => ({ dir, weight: 1 }));
    await expect(store.set("w", { adapters: four, disabled: false })).rejects.toThrow(/at most 3/);
  });

  it("survives garbage in the state", () => {
    const m = memento();
    m.data.set("repolora.binding:w", { adapters: [{ nope: 1 }, { dir: "/ok", weight: 1 }], disabled: "yes" });
    expect(new BindingStore(m).get("w")).toEqual({
      adapters: [{ dir: "/ok", weight: 1 }],
      disabled: false,
      explicit: true,
    });
  });

  it("tells an explicit choice (None included) from following the registry's active adapter", async () => {
    const store = new BindingStore(memento());
    const active = "/reg/app-1234abcd/20261120T000000Z-bbbbbbbb";
    // Never chosen: the registry's active adapter, weight 1; none active: the base model.
    expect(effectiveBinding(store.get("w"), active).adapters).toEqual([{ dir: active, weight: 1 }]);
    expect(effectiveBinding(store.get("w"), null).adapters).toEqual([]);
    // "None (base model)" is a choice: the active adapter no longer applies, also after disable/enable.
    await store.update("w", { adapters: [] });
    await store.update("w", { disabled: true });
    await store.update("w", { disabled: false });
    expect(store.get("w").explicit).toBe(true);
    expect(effectiveBinding(store.get("w"), active).adapters).toEqual([]);
    // A chosen adapter wins over the registry's.
    await store.update("w", { adapters: [{ dir: "/mine", weight: 0.5 }] });
    expect(effectiveBinding(store.get("w"), active).adapters).toEqual([{ dir: "/mine", weight: 0.5 }]);
    // "Follow the registry" forgets the choice but keeps the disabled flag.
    await store.update("w", { disabled: true });
    await store.update("w", { explicit: false });
    expect(store.get("w")).toEqual({ adapters: [], disabled: true, explicit: false });
    expect(effectiveBinding(store.get("w"), active)).toEqual({
      adapters: [{ dir: active, weight: 1 }],
      disabled: true,
      explicit: false,
    });
  });
});

describe("stacks", () => {
  it("validates weights and duplicates", () => {
    expect(
      validateStack([
        { dir: "a", weight: 0.5 },
        { dir: "b", weight: -1 },
      ]),
    ).toBeNull();
    expect(validateStack([{ dir: "a", weight: 9 }])).toMatch(/weight/);
    expect(
      validateStack([
        { dir: "a", weight: 1 },
        { dir: "a", weight: 1 },
      ]),
    ).toMatch(/twice/);
  });

  it("parses weights", () => {
    expect(parseWeight("0.5")).toBe(0.5);
    expect(parseWeight(" -1 ")).toBe(-1);
    expect(parseWeight("")).toBeNull();
    expect(parseWeight("abc")).toBeNull();
    expect(parseWeight("5")).toBeNull();
  });

  it("maps a binding to the runtime's weighted keys, dropping vanished bundles", () => {
    const binding = {
      adapters: [
        { dir: "/a", weight: 1 },
        { dir: "/gone", weight: 0.5 },
      ],
      disabled: false,
    };
    expect(toWeightedAdapters(binding, (dir) => (dir === "/a" ? "/a@t1" : null))).toEqual([
      { key: "/a@t1", weight: 1 },
    ]);
  });

  it("labels bindings for the status bar", () => {
    const name = (dir: string) => dir.slice(1);
    expect(bindingLabel({ adapters: [], disabled: false }, name)).toBe("default");
    expect(bindingLabel({ adapters: [], disabled: true }, name)).toBe("off");
    expect(
      bindingLabel(
        {
          adapters: [
            { dir: "/repo", weight: 1 },
            { dir: "/org", weight: 0.5 },
          ],
          disabled: false,
        },
        name,
      ),
    ).toBe("repo + org ×0.5");
  });
});

describe("defaultSystemLabel", () => {
  it("names the default system, or the raw base when the runtime refused the default adapter", () => {
    expect(defaultSystemLabel(undefined)).toBe("default");
    expect(defaultSystemLabel({ active: true })).toBe("default");
    expect(defaultSystemLabel({ active: false, problem: "sha256 differs" })).toBe(
      "base (no default adapter)",
    );
    expect(defaultSystemLabel(null)).toBe("base (no default adapter)");
  });
});
