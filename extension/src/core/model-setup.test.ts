import { describe, expect, it } from "vitest";
import { defaultPackageDir, MODEL_PACKAGE_SCHEMA } from "../../../runtime/src/protocol/default-model.ts";
import { findModelPackage, type OfferState, setupProgressMessage, shouldOfferSetup } from "./model-setup.ts";

describe("findModelPackage", () => {
  const defaultDir = defaultPackageDir({ XDG_CACHE_HOME: "/c" }, "/home/u");

  it("looks for the default where model prepare puts it", () => {
    expect(defaultDir).toBe("/c/repolora/models/qwen2.5-coder-0.5b-instruct-int4");
    expect(defaultPackageDir({ REPOLORA_MODELS: "/m" }, "/home/u")).toBe(
      "/m/qwen2.5-coder-0.5b-instruct-int4",
    );
    expect(defaultPackageDir({}, "/home/u")).toBe(
      "/home/u/.cache/repolora/models/qwen2.5-coder-0.5b-instruct-int4",
    );
  });

  it("takes the setting, else a prepared default of the current schema, else nothing", () => {
    const files = new Map([
      [`${defaultDir}/repolora-model.json`, JSON.stringify({ schema: MODEL_PACKAGE_SCHEMA })],
    ]);
    const readText = (path: string) => files.get(path) ?? null;
    expect(findModelPackage({ setting: "/pkg", defaultDir, readText })).toEqual({
      dir: "/pkg",
      origin: "setting",
    });
    expect(findModelPackage({ setting: "", defaultDir, readText })).toEqual({
      dir: defaultDir,
      origin: "default",
    });
    expect(findModelPackage({ setting: "", defaultDir, readText: () => null })).toBeNull();
  });

  it("treats a default an older version prepared, or an unreadable manifest, as none", () => {
    for (const text of [JSON.stringify({ schema: "repolora.model-package/1" }), "{not json", "{}"]) {
      expect(findModelPackage({ setting: "", defaultDir, readText: () => text })).toBeNull();
    }
  });
});

describe("shouldOfferSetup", () => {
  const none: OfferState = { found: false, offered: false, declined: false, running: false };
  it.each<[string, Partial<OfferState>, boolean]>([
    ["no model, never offered", {}, true],
    ["a model was found", { found: true }, false],
    ["already offered this session", { offered: true }, false],
    ["the user said don't ask again", { declined: true }, false],
    ["a set-up is running", { running: true }, false],
  ])("%s", (_, change, expected) => {
    expect(shouldOfferSetup({ ...none, ...change })).toBe(expected);
  });
});

describe("setupProgressMessage", () => {
  it("keeps a progress bar's last state, drops colours and blank lines, cuts long lines", () => {
    expect(setupProgressMessage("Downloading 10%\rDownloading 55%\r")).toBe("Downloading 55%");
    expect(setupProgressMessage("\u001b[32mPreparing\u001b[0m /m as int4…")).toBe("Preparing /m as int4…");
    expect(setupProgressMessage("   ")).toBeNull();
    expect(setupProgressMessage("x".repeat(200), 20)).toBe(`${"x".repeat(19)}…`);
  });
});
