import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hubCacheDir, isHubId, resolveHubSnapshot } from "./hub-cache.ts";

describe("hub cache lookup", () => {
  const cache = mkdtempSync(join(tmpdir(), "repolora-hub-"));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  const hash = "a".repeat(40);
  const repo = join(cache, "models--org--name");
  const snapshot = (files: string[]) => {
    mkdirSync(join(repo, "snapshots", hash), { recursive: true });
    for (const file of files) writeFileSync(join(repo, "snapshots", hash, file), "{}");
  };

  it("finds the cache folder the way huggingface_hub does", () => {
    expect(hubCacheDir({ HF_HUB_CACHE: "/x" })).toBe("/x");
    expect(hubCacheDir({ HF_HOME: "/h" })).toBe(join("/h", "hub"));
    expect(hubCacheDir({ XDG_CACHE_HOME: "/c" })).toBe(join("/c", "huggingface", "hub"));
    expect(isHubId("Qwen/Qwen2.5-Coder-0.5B")).toBe(true);
    expect(isHubId("./models/qwen")).toBe(false);
  });

  it("explains a missing model, a missing ref and missing files, and resolves refs/main → snapshot", () => {
    expect(() => resolveHubSnapshot("org/name", "main", cache)).toThrow(
      /does not exist\)\. Download it .*hf download org\/name/,
    );
    snapshot(["config.json"]);
    expect(() => resolveHubSnapshot("org/name", "main", cache)).toThrow(
      new RegExp(`snapshots there: ${hash}; pass one with --revision`),
    );
    mkdirSync(join(repo, "refs"));
    writeFileSync(join(repo, "refs", "main"), `${hash}\n`);
    expect(() => resolveHubSnapshot("org/name", "main", cache)).toThrow(
      /lacks tokenizer\.json, model\.safetensors/,
    );
    snapshot(["tokenizer.json", "model.safetensors"]);
    expect(resolveHubSnapshot("org/name", "main", cache)).toEqual({
      id: "org/name",
      revision: hash,
      dir: join(repo, "snapshots", hash),
    });
    expect(resolveHubSnapshot("org/name", hash, cache).revision).toBe(hash); // a commit hash without a ref
  });
});
