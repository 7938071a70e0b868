import { describe, expect, it } from "vitest";
import { spawnGrouped } from "./grouped-child.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.runIf(process.platform !== "win32")("spawnGrouped", () => {
  it("streams lines and exits with the child's code", async () => {
    const lines: string[] = [];
    const child = spawnGrouped("bash", ["-c", "echo one; echo two >&2; exit 3"], (stream, line) =>
      lines.push(`${stream}:${line}`),
    );
    expect(await child.exited).toMatchObject({ code: 3, cancelled: false });
    expect(lines.sort()).toEqual(["stderr:two", "stdout:one"]);
  });

  it("cancel ends the grandchildren too (a script the CLI waits on)", async () => {
    let grandchild = 0;
    let announced: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      announced = resolve;
    });
    const child = spawnGrouped("bash", ["-c", "sleep 60 & echo $!; wait"], (_, line) => {
      grandchild = Number(line);
      announced();
    });
    await started;
    expect(alive(grandchild)).toBe(true);
    child.cancel();
    expect(await child.exited).toMatchObject({ cancelled: true, signal: "SIGTERM" });
    await expect.poll(() => alive(grandchild), { timeout: 5000 }).toBe(false);
  });

  it("reports a command that cannot start", async () => {
    const child = spawnGrouped("/nonexistent/repolora", [], () => {});
    expect((await child.exited).spawnError).toMatch(/ENOENT/);
  });
});
