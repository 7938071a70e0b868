import { describe, expect, it } from "vitest";
import {
  BindingStore,
  bindingLabel,
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
  it("defaults to the base model, enabled", () => {
    expect(new BindingStore(memento()).get("file:///w")).toEqual({ adapters: [], disabled: false });
  });

  it("keeps each workspace's binding apart", async () => {
    const store = new BindingStore(memento());
    await store.set("file:///a", { adapters: [{ dir: "/ad/a", weight: 1 }], disabled: false });
    await store.update("file:///b", { disabled: true });
    expect(store.get("file:///a").adapters).toEqual([{ dir: "/ad/a", weight: 1 }]);
    expect(store.get("file:///b")).toEqual({ adapters: [], disabled: true });
  });

  it("refuses more than three adapters", async () => {
    const store = new BindingStore(memento());
    const four = ["a", "b", "c", "d"].map((dir) => ({ dir, weight: 1 }));
    await expect(store.set("w", { adapters: four, disabled: false })).rejects.toThrow(/at most 3/);
  });

  it("survives garbage in the state", () => {
    const m = memento();
    m.data.set("repolora.binding:w", { adapters: [{ nope: 1 }, { dir: "/ok", weight: 1 }], disabled: "yes" });
    expect(new BindingStore(m).get("w")).toEqual({ adapters: [{ dir: "/ok", weight: 1 }], disabled: false });
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
    expect(bindingLabel({ adapters: [], disabled: false }, name)).toBe("base");
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
