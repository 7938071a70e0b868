import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultAdaptersDir, describeAdapter, isSameRepo, readAdapter } from "./adapters.ts";

const REPORT = {
  examples: 40,
  systems: {
    base: { editSimilarity: 0.5, exactMatch: 0.1 },
    adapter: { editSimilarity: 0.62, exactMatch: 0.2 },
  },
  verdict: { adapterBetter: true, significant: true },
};

function bundle(dir: string, repo: Record<string, unknown>, report: unknown = REPORT): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "repolora.json"),
    JSON.stringify({
      schema: "repolora.adapter/1",
      baseModel: { id: "Qwen/Qwen2.5-Coder-0.5B" },
      repo,
      lora: { r: 16 },
    }),
  );
  if (report) writeFileSync(join(dir, "report.json"), JSON.stringify(report));
  return dir;
}

describe("adapter bundles", () => {
  const root = mkdtempSync(join(tmpdir(), "repolora-adapters-"));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const mine = bundle(join(root, "app-1234abcd", "20261101T000000Z-aaaaaaaa"), {
    root: "/src/app",
    remote: "git@github.com:acme/app.git",
    head: "aaaaaaaa11112222",
    trainedAt: "2026-11-01T00:00:00Z",
  });
  const mineNewer = bundle(join(root, "app-1234abcd", "20261120T000000Z-bbbbbbbb"), {
    root: "/elsewhere/app",
    remote: "https://github.com/acme/app",
    head: "bbbbbbbb33334444",
    trainedAt: "2026-11-20T00:00:00Z",
  });
  const other = bundle(
    join(root, "lib-99999999", "run"),
    { root: "/src/lib", remote: null, head: "cccccccc", trainedAt: "2026-11-22T00:00:00Z" },
    {
      systems: { base: { editSimilarity: 0.5 }, adapter: { editSimilarity: 0.4 } },
      verdict: { adapterBetter: false },
    },
  );

  it("reads the manifest and the report card", () => {
    const info = readAdapter(mine)!;
    expect(info).toMatchObject({
      name: "app@aaaaaaa",
      baseModel: "Qwen/Qwen2.5-Coder-0.5B",
      rank: 16,
      score: { adapter: 0.62, base: 0.5 },
      better: true,
      orgRepos: null,
    });
    expect(info.key).toBe(`${mine}@2026-11-01T00:00:00Z`);
    expect(readAdapter(root)).toBeNull();
  });

  it("matches a repository by remote in any URL form, else by root", () => {
    const remote = "https://github.com/Acme/app.git";
    expect(isSameRepo(readAdapter(mine)!.repo, { root: "/work/app", remote })).toBe(true);
    expect(isSameRepo(readAdapter(mineNewer)!.repo, { root: "/work/app", remote })).toBe(true);
    expect(isSameRepo(readAdapter(other)!.repo, { root: "/work/app", remote })).toBe(false);
    expect(isSameRepo({ root: "/src/lib" }, { root: "/src/lib/" })).toBe(true);
  });

  it("describes an adapter for the pickers", () => {
    expect(describeAdapter(readAdapter(mine)!)).toBe("2026-11-01 00:00 · aaaaaaaa · ES 0.62 (base 0.50)");
    expect(describeAdapter(readAdapter(other)!)).toContain("not better than base");
  });

  it("mirrors the CLI's default adapters folder", () => {
    expect(defaultAdaptersDir({ REPOLORA_HOME: "/r" }, "/home/u")).toBe("/r/adapters");
    expect(defaultAdaptersDir({ XDG_DATA_HOME: "/x" }, "/home/u")).toBe("/x/repolora/adapters");
    expect(defaultAdaptersDir({}, "/home/u")).toBe("/home/u/.local/share/repolora/adapters");
  });
});
