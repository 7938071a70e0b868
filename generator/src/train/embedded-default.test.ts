import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MODEL_PACKAGE_SCHEMA } from "../../../runtime/src/protocol/default-model.ts";
import { packageState } from "./embedded-default.ts";

describe("packageState", () => {
  const root = mkdtempSync(join(tmpdir(), "repolora-package-state-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const folder = (name: string, manifest: string | null): string => {
    const dir = join(root, name);
    mkdirSync(dir);
    if (manifest !== null) writeFileSync(join(dir, "repolora-model.json"), manifest);
    return dir;
  };

  it("tells a missing folder, a current package and one another version wrote apart", () => {
    expect(packageState(join(root, "absent"))).toBe("none");
    expect(packageState(folder("current", JSON.stringify({ schema: MODEL_PACKAGE_SCHEMA })))).toBe("current");
    expect(packageState(folder("v1", JSON.stringify({ schema: "repolora.model-package/1" })))).toBe(
      "outdated",
    );
    // a folder without a readable manifest (an interrupted copy) is not current either
    expect(packageState(folder("empty", null))).toBe("outdated");
    expect(packageState(folder("garbled", "{"))).toBe("outdated");
  });
});
