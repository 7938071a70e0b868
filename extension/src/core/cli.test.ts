import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliCommand, resolveCli, SHIPPED_CLI } from "./cli.ts";

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

describe("cliCommand without repolora.nodePath", () => {
  it("runs the shipped CLI under the extension host's own runtime, as Node (ELECTRON_RUN_AS_NODE)", () => {
    const extension = mkdtempSync(join(tmpdir(), "repolora-cli-host-"));
    // A stand-in for the shipped CLI that reports what it runs under.
    const cli = touch(join(extension, SHIPPED_CLI));
    writeFileSync(
      cli,
      "process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), asNode: process.env.ELECTRON_RUN_AS_NODE, node: process.version }));",
    );
    const { command, args, env } = cliCommand(cli, "", ["serve", "--model", "/m"]);
    expect(command).toBe(process.execPath);
    const run = spawnSync(command, args, { env: { ...process.env, ...env, PATH: "" }, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      argv: ["serve", "--model", "/m"],
      asNode: "1",
      node: process.version,
    });
  });

  it("uses the host runtime it is given (VS Code's Electron binary)", () => {
    const electron = "/opt/VSCode/code";
    expect(cliCommand("/e/cli/dist/cli.mjs", "", ["serve"], { execPath: electron })).toEqual({
      command: electron,
      args: ["/e/cli/dist/cli.mjs", "serve"],
      env: { ELECTRON_RUN_AS_NODE: "1" },
    });
  });
});
