import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveCli, SHIPPED_CLI } from "./cli.ts";

function touch(path: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "");
  return path;
}

describe("resolveCli without settings", () => {
  const root = mkdtempSync(join(tmpdir(), "repolora-cli-find-"));
  const extension = join(root, "ext");
  const workspace = join(root, "ws");
  const bin = join(root, "path-bin");

  it("finds, in order: the setting, the shipped CLI, the workspace's node_modules/.bin, PATH", () => {
    touch(join(bin, "repolora"));
    const find = (setting = "") =>
      resolveCli({ setting, extensionDir: extension, workspaceDirs: [workspace], pathEnv: bin });
    expect(find()).toBe(join(bin, "repolora"));
    const local = touch(join(workspace, "node_modules", ".bin", "repolora"));
    expect(find()).toBe(local);
    const shipped = touch(join(extension, SHIPPED_CLI));
    expect(find()).toBe(shipped);
    expect(find("/x/cli.mjs")).toBe("/x/cli.mjs");
  });
});
