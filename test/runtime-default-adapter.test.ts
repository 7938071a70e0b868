/**
 * The default completion system in the runtime: a workspace without adapters of its own completes with the
 * default adapter; a mismatched default is refused with a reason and completions fall back to the raw base.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ADAPTER_KEY } from "../runtime/src/model/default-adapter.ts";
import { prepareModelPackage } from "../runtime/src/model/package.ts";
import { PROTOCOL_VERSION } from "../runtime/src/protocol/index.ts";
import { silentLogger } from "../runtime/src/server/log.ts";
import { RuntimeService } from "../runtime/src/server/service.ts";
import { TINY_QWEN2, writeRandomAdapter, writeRandomModel } from "../runtime/src/testing/random-model.ts";

const MODEL_ID = "repolora-tiny/qwen2-random";
const request = {
  documentUri: "file:///w/a.ts",
  path: "a.ts",
  languageId: "typescript",
  repoName: "w",
  prefix: "function add(a, b) {\n  return ",
  suffix: "\n}\n",
  context: [],
  multiline: false,
  maxTokens: 4,
};

describe("default adapter in the runtime (tiny random model)", () => {
  let work: string;
  let packageDir: string;
  let fits: string;
  let wrongShape: string;
  let own: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "repolora-default-"));
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    packageDir = join(work, "package");
    await prepareModelPackage({ source: join(work, "model"), outDir: packageDir, id: MODEL_ID });
    fits = join(work, "default");
    wrongShape = join(work, "wrong-shape");
    own = join(work, "own");
    writeRandomAdapter(fits, TINY_QWEN2, { rank: 4, alpha: 8, baseModelId: MODEL_ID, seed: 21 });
    writeRandomAdapter(own, TINY_QWEN2, { rank: 4, alpha: 8, baseModelId: MODEL_ID, seed: 22 });
    writeRandomAdapter(
      wrongShape,
      { ...TINY_QWEN2, hiddenSize: 32 },
      { rank: 4, alpha: 8, baseModelId: MODEL_ID, seed: 23 },
    );
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function start(defaultAdapter: string | null) {
    const service = new RuntimeService({ log: silentLogger, promptCaches: 0 });
    const init = await service.initialize({
      protocolVersion: PROTOCOL_VERSION,
      modelPackage: packageDir,
      threads: 1,
      defaultAdapter,
    });
    return { service, init };
  }

  it("serves unbound workspaces with the default adapter and bound ones with their own", async () => {
    const { service, init } = await start(fits);
    try {
      expect(init.defaultAdapter).toEqual({ dir: fits, active: true });
      const unbound = await service.complete(1, { ...request, workspace: "fresh" });
      expect(unbound.adapters).toEqual([{ key: DEFAULT_ADAPTER_KEY, weight: 1 }]);
      // [] is "no adapter of its own": still the default system.
      service.setWorkspaceAdapters({ workspace: "cleared", adapters: [] });
      expect((await service.complete(2, { ...request, workspace: "cleared" })).adapters).toEqual([
        { key: DEFAULT_ADAPTER_KEY, weight: 1 },
      ]);
      await service.loadAdapter({ key: "own", dir: own });
      service.setWorkspaceAdapters({ workspace: "repo", adapters: [{ key: "own", weight: 1 }] });
      expect((await service.complete(3, { ...request, workspace: "repo" })).adapters).toEqual([
        { key: "own", weight: 1 },
      ]);
      await expect(service.loadAdapter({ key: DEFAULT_ADAPTER_KEY, dir: own })).rejects.toThrow(/reserved/);
    } finally {
      await service.shutdown();
    }
  });

  it("refuses a mismatched default adapter with a reason and completes with the raw base", async () => {
    const { service, init } = await start(wrongShape);
    try {
      expect(init.defaultAdapter?.active).toBe(false);
      expect(init.defaultAdapter?.problem).toMatch(/expected \[/);
      expect((await service.complete(1, { ...request, workspace: "w" })).adapters).toEqual([]);
    } finally {
      await service.shutdown();
    }
  });

  it("uses no default adapter when asked for none", async () => {
    const { service, init } = await start(null);
    try {
      expect(init.defaultAdapter).toBeNull();
      expect((await service.complete(1, { ...request, workspace: "w" })).adapters).toEqual([]);
    } finally {
      await service.shutdown();
    }
  });
});
