import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AdapterRegistry } from "../../adapters/registry/registry.ts";
import { activateIfBetter } from "./activate.ts";
import { createTrainContext } from "./context.ts";
import { parseTrainFlags } from "./flags.ts";

async function activate(args: string[], verdict: unknown) {
  const root = mkdtempSync(join(tmpdir(), "activate-"));
  const adapterDir = join(root, "repo-abc", "adapter-1");
  mkdirSync(adapterDir, { recursive: true });
  if (verdict !== undefined) writeFileSync(join(adapterDir, "report.json"), JSON.stringify({ verdict }));
  const written: string[] = [];
  const ctx = createTrainContext(parseTrainFlags([".", ...args]), new AbortController().signal, {
    write: (text: string) => written.push(text),
  });
  await activateIfBetter(ctx, new AdapterRegistry(root), adapterDir);
  return { written, active: existsSync(join(root, "repo-abc", "active.json")) };
}

describe("activateIfBetter (a new adapter)", () => {
  it("leaves an adapter that does not beat the default system inactive, saying why", async () => {
    const verdict = { adapterBetter: false, baseline: "default", reason: "NLL interval crosses 0" };
    expect(await activate([], verdict)).toEqual({
      written: ["Not made active: not better than the default system: NLL interval crosses 0.\n"],
      active: false,
    });
  });

  it("leaves an unscored adapter inactive", async () => {
    const { written, active } = await activate(["--no-eval"], undefined);
    expect(written).toEqual([
      "Not made active: not scored (--no-eval); pass --force to activate it anyway.\n",
    ]);
    expect(active).toBe(false);
  });
});
