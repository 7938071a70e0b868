import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveBaseModel } from "./base-model.ts";

describe("resolveBaseModel", () => {
  let cache: string;
  const saved = { ...process.env };

  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), "repolora-hub-"));
    process.env.HF_HUB_CACHE = cache;
    process.env.HF_HUB_OFFLINE = "1"; // the hub counts as unreachable: no network in the test
  });

  afterEach(() => {
    process.env = { ...saved };
    rmSync(cache, { recursive: true, force: true });
  });

  it("fails at once for a hub id that is neither cached nor reachable, naming the embedded default", async () => {
    const error = await resolveBaseModel("some-org/some-model", () => undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MODEL_NOT_FOUND" });
    expect((error as Error).message).toMatch(/some-org\/some-model is not in the local Hugging Face cache/);
    expect((error as { hint: string }).hint).toMatch(/Leave --base out to use the embedded default/);
  });

  it("passes through local folders and GGUF files untouched", async () => {
    expect(await resolveBaseModel(cache, () => undefined)).toBe(cache);
    expect(await resolveBaseModel("./models/x.gguf", () => undefined)).toBe("./models/x.gguf");
  });

  it("takes the embedded default when none is given, and refuses to fetch it when downloads are off", async () => {
    process.env.REPOLORA_MODELS = join(cache, "models");
    process.env.REPOLORA_NO_DOWNLOAD = "1";
    await expect(resolveBaseModel(undefined, () => undefined)).rejects.toThrow(
      /default base model is not in/,
    );
  });
});
