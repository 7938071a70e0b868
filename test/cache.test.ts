/**
 * Where the dataset caches live and how they are kept in bounds: REPOLORA_HOME and XDG, the size cap
 * (least recently used repository first, never the one being built), and the commands that clean them —
 * `repolora cache info|clean` and `repolora adapters gc` — run as a user runs them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildCacheRoot,
  cacheHome,
  cacheMaxBytes,
  defaultCacheDir,
  enforceCacheCap,
  listCacheFolders,
  markCacheUsed,
} from "../generator/src/dataset/cache-dir.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const BIN = join(import.meta.dirname, "..", "bin", "repolora.mjs");

/** A repository's cache folder with `bytes` of content, last used at `usedAt`. */
async function fakeCache(dir: string, repoRoot: string, usedAt: number, bytes = 1000): Promise<string> {
  await markCacheUsed(dir, repoRoot, usedAt);
  writeFileSync(join(dir, "parse-v3.json"), "x".repeat(bytes));
  return dir;
}

describe("cache location", () => {
  it("is under REPOLORA_HOME when set, else XDG_CACHE_HOME, else ~/.cache", () => {
    expect(cacheHome({ REPOLORA_HOME: "/r", XDG_CACHE_HOME: "/x" }, "/home/u")).toBe(join("/r", "cache"));
    expect(cacheHome({ XDG_CACHE_HOME: "/x" }, "/home/u")).toBe(join("/x", "repolora"));
    expect(cacheHome({}, "/home/u")).toBe(join("/home/u", ".cache", "repolora"));
    expect(defaultCacheDir("/src/app", { REPOLORA_HOME: "/r" })).toMatch(/^\/r\/cache\/build\/[0-9a-f]{16}$/);
  });

  it("reads the cap from REPOLORA_CACHE_MAX_MB and rejects a bad one", () => {
    expect(cacheMaxBytes({ REPOLORA_CACHE_MAX_MB: "2" })).toBe(2 * 1024 * 1024);
    expect(() => cacheMaxBytes({ REPOLORA_CACHE_MAX_MB: "lots" })).toThrow(/REPOLORA_CACHE_MAX_MB/);
  });
});

describe("size cap", () => {
  it("evicts the least recently used repositories first, never the one just used", async () => {
    const root = tempDir();
    const oldest = await fakeCache(join(root, "a"), "/repos/a", 1_000);
    const middle = await fakeCache(join(root, "b"), "/repos/b", 2_000);
    const newest = await fakeCache(join(root, "c"), "/repos/c", 3_000);
    const each = listCacheFolders(root)[0]!.bytes;

    const removed = await enforceCacheCap(root, 2 * each, newest);
    expect(removed.map((r) => r.dir)).toEqual([oldest]);
    expect([existsSync(middle), existsSync(newest)]).toEqual([true, true]);

    // Over the cap by itself: everything else goes, the folder in use stays.
    expect((await enforceCacheCap(root, 10, middle)).map((r) => r.dir)).toEqual([newest]);
    expect(existsSync(middle)).toBe(true);
  });
});

describe("cache commands", () => {
  const run = (home: string, ...args: string[]) =>
    spawnSync("node", [BIN, ...args], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, REPOLORA_HOME: home, XDG_CACHE_HOME: join(home, "xdg") },
    });

  it("documents itself and is listed in the command list", () => {
    const home = tempDir();
    expect(run(home, "--help").stdout).toMatch(/^\s+cache\s+/m);
    const help = run(home, "cache", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/clean \[--repo <dir>\] \[--dry-run\]/);
    expect(help.stdout).toContain(join(home, "cache", "build"));
    expect(run(home, "adapters", "--help").stdout).toMatch(
      /dataset caches of repositories that no longer exist/,
    );
    expect(run(home, "cache", "frob").status).toBe(1);
  });

  it("adapters gc drops caches of repositories that are gone; cache clean drops one repository's or all", async () => {
    const home = tempDir();
    const env = { REPOLORA_HOME: home };
    const live = new TestRepo();
    const other = new TestRepo();
    const liveDir = await fakeCache(
      defaultCacheDir(realpathSync(live.root), env),
      realpathSync(live.root),
      2_000,
    );
    const otherDir = await fakeCache(
      defaultCacheDir(realpathSync(other.root), env),
      realpathSync(other.root),
      3_000,
    );
    const goneDir = await fakeCache(
      join(buildCacheRoot(env), "0123456789abcdef"),
      join(home, "deleted-repo"),
      1_000,
    );
    const legacyDir = join(home, "xdg", "repolora", "parse", "fedcba9876543210");
    mkdirSync(legacyDir, { recursive: true });

    const info = JSON.parse(run(home, "cache", "info", "--json").stdout) as { folders: unknown[] };
    expect(info.folders).toHaveLength(3);

    const gc = run(home, "adapters", "gc", "--adapters-dir", join(home, "adapters"));
    expect(gc.status).toBe(0);
    expect(gc.stdout).toContain(`Removed ${goneDir}`);
    expect(gc.stdout).toMatch(/repository gone/);
    expect([existsSync(goneDir), existsSync(legacyDir), existsSync(liveDir)]).toEqual([false, false, true]);

    const dry = run(home, "cache", "clean", "--dry-run");
    expect(dry.stdout).toContain(`Would remove ${liveDir}`);
    expect(existsSync(liveDir)).toBe(true);

    const one = run(home, "cache", "clean", "--repo", live.root);
    expect(one.status).toBe(0);
    expect([existsSync(liveDir), existsSync(otherDir)]).toEqual([false, true]);

    expect(run(home, "cache", "clean").stdout).toContain(`Removed ${otherDir}`);
    expect(listCacheFolders(buildCacheRoot(env))).toEqual([]);
    live.remove();
    other.remove();
  });
});
