import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoKey, repoName } from "../../../runtime/src/contracts/registry.ts";
import { describeAdapter } from "./adapters.ts";
import { MemoryLogger } from "./log.ts";
import {
  activeAdapterFor,
  addStaleness,
  bundleProblems,
  groupOf,
  organizationOf,
  pickRemote,
  type RepoIdentity,
  readRegistry,
  repoIdentity,
  sortForPicker,
} from "./registry.ts";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

const REPORT = {
  systems: { base: { editSimilarity: 0.5 }, adapter: { editSimilarity: 0.6 } },
  verdict: { adapterBetter: true },
};

/** A bundle as `repolora train` writes it: manifest with files{}, the two PEFT files, report. */
function bundle(
  dir: string,
  repo: Record<string, unknown>,
  options: { report?: unknown; org?: unknown } = {},
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "adapter_config.json"), JSON.stringify({ r: 4 }));
  writeFileSync(join(dir, "adapter_model.safetensors"), "weights");
  writeFileSync(
    join(dir, "repolora.json"),
    JSON.stringify({
      schema: 1,
      baseModel: { id: "Qwen/Qwen2.5-Coder-0.5B" },
      repo,
      lora: { r: 4 },
      files: { "adapter_config.json": "x", "adapter_model.safetensors": "y" },
      ...(options.org ? { org: options.org } : {}),
    }),
  );
  if (options.report !== null)
    writeFileSync(join(dir, "report.json"), JSON.stringify(options.report ?? REPORT));
  return dir;
}

const APP_REMOTE = "git@github.com:acme/app.git";
const APP_KEY = "app-ac4dee71"; // repoKey("app", APP_REMOTE) of the contracts leaf
const app: RepoIdentity = {
  root: "/work/app",
  remote: "https://github.com/acme/app",
  name: "app",
  key: APP_KEY,
};

function registry() {
  const root = temp("repolora-registry-");
  const older = bundle(join(root, APP_KEY, "20261101T000000Z-aaaaaaaa"), {
    root: "/src/app",
    remote: APP_REMOTE,
    head: "aaaaaaaa11112222",
    trainedAt: "2026-11-01T00:00:00Z",
  });
  const active = bundle(join(root, APP_KEY, "20261110T000000Z-bbbbbbbb"), {
    root: "/src/app",
    remote: APP_REMOTE,
    head: "bbbbbbbb33334444",
    trainedAt: "2026-11-10T00:00:00Z",
  });
  const newest = bundle(join(root, APP_KEY, "20261120T000000Z-cccccccc"), {
    root: "/src/app",
    remote: APP_REMOTE,
    head: "cccccccc55556666",
    trainedAt: "2026-11-20T00:00:00Z",
  });
  writeFileSync(
    join(root, APP_KEY, "active.json"),
    JSON.stringify({
      schema: 1,
      adapter: "20261110T000000Z-bbbbbbbb",
      activatedAt: "2026-11-10T01:00:00Z",
      pid: 1,
    }),
  );
  const sibling = bundle(join(root, "web-11111111", "20261115T000000Z-dddddddd"), {
    root: "/src/web",
    remote: "https://github.com/acme/web.git",
    head: "dddddddd",
    trainedAt: "2026-11-15T00:00:00Z",
  });
  const stranger = bundle(join(root, "lib-22222222", "20261116T000000Z-eeeeeeee"), {
    root: "/src/lib",
    remote: "https://gitlab.com/other/lib.git",
    head: "eeeeeeee",
    trainedAt: "2026-11-16T00:00:00Z",
  });
  const imported = bundle(join(root, "_imported", "style-adapter"), {});
  // Broken and half-deleted folders: skipped, each with one log line.
  const halfDeleted = join(root, APP_KEY, "20261121T000000Z-ffffffff");
  mkdirSync(halfDeleted);
  writeFileSync(
    join(halfDeleted, "repolora.json"),
    JSON.stringify({ repo: { remote: APP_REMOTE }, files: {} }),
  );
  const corrupt = bundle(join(root, APP_KEY, "20261122T000000Z-99999999"), { remote: APP_REMOTE });
  writeFileSync(join(corrupt, "repolora.json"), "{ not json");
  const missingListed = bundle(join(root, "web-11111111", "20261123T000000Z-88888888"), {});
  rmSync(join(missingListed, "adapter_model.safetensors"));
  mkdirSync(join(root, "web-11111111", "empty-folder"));
  mkdirSync(join(root, APP_KEY, ".20261124T000000Z-77777777.tmp-4242-ab")); // a writer's staging folder
  writeFileSync(join(root, "stray-file"), "not a folder");
  return { root, older, active, newest, sibling, stranger, imported, halfDeleted, corrupt, missingListed };
}

describe("the registry on disk", () => {
  it("computes the CLI's repository key and name", () => {
    expect(repoKey(repoName(APP_REMOTE, "/src/app"), APP_REMOTE)).toBe(APP_KEY);
    expect(repoKey(repoName(null, "/home/u/my repo!"), "/home/u/my repo!")).toBe("my_repo_-c7c1e0a0");
    expect(repoName("https://github.com/acme/app.git", "/x")).toBe("app");
    expect(
      pickRemote(
        "upstream\thttps://github.com/up/app.git (fetch)\norigin\thttps://u:tok@github.com/acme/app.git (fetch)\norigin\thttps://github.com/acme/app.git (push)\n",
      ),
    ).toBe("https://github.com/acme/app.git");
    expect(pickRemote("upstream\tgit@host:x/y.git (fetch)\n")).toBe("git@host:x/y.git");
    expect(pickRemote("")).toBeNull();
  });

  it("lists healthy bundles with their repository key and the active one; skips broken folders with a log line", () => {
    const r = registry();
    const log = new MemoryLogger();
    const listing = readRegistry(r.root, [], log);
    expect(listing.adapters.map((a) => a.dir).sort()).toEqual(
      [r.older, r.active, r.newest, r.sibling, r.stranger, r.imported].sort(),
    );
    expect(listing.active).toEqual(new Map([[APP_KEY, "20261110T000000Z-bbbbbbbb"]]));
    const activeEntry = listing.adapters.find((a) => a.active)!;
    expect(activeEntry).toMatchObject({
      dir: r.active,
      id: `${APP_KEY}/20261110T000000Z-bbbbbbbb`,
      repoKey: APP_KEY,
      score: { adapter: 0.6, base: 0.5 },
    });
    const skipped = log.lines.filter((l) => l.event === "registry.skip").map((l) => l.fields.path);
    expect(skipped.sort()).toEqual(
      [r.halfDeleted, r.corrupt, r.missingListed, join(r.root, "web-11111111", "empty-folder")].sort(),
    );
    expect(bundleProblems(r.halfDeleted)).toEqual([
      "adapter_config.json is missing",
      "adapter_model.safetensors is missing",
    ]);
    expect(bundleProblems(r.missingListed)).toContain(
      "adapter_model.safetensors is listed in repolora.json but missing",
    );
  });

  it("never throws: a missing root, an unreadable folder, a corrupt or dangling active.json", () => {
    const log = new MemoryLogger();
    expect(readRegistry(join(tmpdir(), "repolora-no-such-registry"), [], log).adapters).toEqual([]);
    const r = registry();
    writeFileSync(join(r.root, APP_KEY, "active.json"), "{");
    writeFileSync(join(r.root, "web-11111111", "active.json"), JSON.stringify({ adapter: "deleted-one" }));
    const listing = readRegistry(r.root, [], log);
    expect(listing.active.size).toBe(0);
    expect(listing.adapters.filter((a) => a.active)).toEqual([]);
    const problems = log.lines.flatMap((l) => (l.fields.problems as string[] | undefined) ?? []);
    expect(problems.some((p) => p.startsWith("not valid JSON"))).toBe(true);
    expect(problems).toContain("active adapter 'deleted-one' no longer exists");
  });

  it("adds known bundles outside the registry once", () => {
    const r = registry();
    const elsewhere = bundle(join(temp("repolora-elsewhere-"), "run"), {
      root: "/src/app",
      remote: APP_REMOTE,
    });
    const listing = readRegistry(r.root, [elsewhere, r.active, "/no/such/dir"]);
    expect(listing.adapters.filter((a) => a.dir === elsewhere)).toHaveLength(1);
    expect(listing.adapters.filter((a) => a.dir === r.active)).toHaveLength(1);
  });

  it("takes the repository's active adapter as the default, by key or by the bundle's recorded repo", () => {
    const r = registry();
    const listing = readRegistry(r.root);
    expect(activeAdapterFor(listing, app)?.dir).toBe(r.active);
    // Another clone whose key differs (a path key) still finds it through the recorded remote.
    expect(activeAdapterFor(listing, { ...app, key: "app-00000000" })?.dir).toBe(r.active);
    expect(
      activeAdapterFor(listing, { root: "/src/web", remote: null, name: "web", key: "web-x" }),
    ).toBeNull();
  });

  it("groups this repository, the same organization, other repositories and unattached adapters", () => {
    const r = registry();
    const listing = readRegistry(r.root);
    const sorted = sortForPicker(listing.adapters, app);
    expect(sorted.map((a) => [groupOf(a, app), a.dir])).toEqual([
      ["repo", r.active],
      ["repo", r.newest],
      ["repo", r.older],
      ["organization", r.sibling],
      ["other", r.stranger],
      ["unattached", r.imported],
    ]);
    expect(organizationOf("git@github.com:Acme/app.git")).toBe("github.com/acme");
    expect(organizationOf("https://github.com/acme/app")).toBe("github.com/acme");
    expect(organizationOf(null)).toBeNull();
  });

  it("puts an org-wide adapter with this repository's organization, from the repositories it was trained on", () => {
    const r = registry();
    // As `repolora org-train` writes it: no repository of its own, org.repos lists what it was trained on.
    const org = bundle(
      join(r.root, "org-acme", "20261118T000000Z-12121212"),
      { remote: null, trainedAt: "2026-11-18T00:00:00Z" },
      {
        org: {
          name: "acme",
          repos: [
            { key: "web-11111111", root: "/src/web", remote: "https://github.com/acme/web.git", head: "dd" },
            { key: "api-3", root: "/src/api", remote: null, head: "ee" },
          ],
        },
      },
    );
    const elsewhere = bundle(
      join(r.root, "org-other", "20261118T000000Z-34343434"),
      { remote: null },
      { org: { name: "other", repos: [{ root: "/src/lib", remote: "https://gitlab.com/other/lib.git" }] } },
    );
    const listing = readRegistry(r.root);
    const byDir = new Map(listing.adapters.map((a) => [a.dir, a]));
    expect(byDir.get(org)?.orgRepos?.map((x) => x.remote)).toEqual(["https://github.com/acme/web.git", null]);
    expect(groupOf(byDir.get(org)!, app)).toBe("organization"); // acme/web is in acme, as app is
    expect(groupOf(byDir.get(elsewhere)!, app)).toBe("unattached");
    // A workspace the org adapter was trained on directly, without a remote: matched by its root.
    expect(groupOf(byDir.get(org)!, { root: "/src/api", remote: null, name: "api", key: "api-3" })).toBe(
      "organization",
    );
    // Not this repository's own adapter: never the default binding.
    expect(activeAdapterFor(listing, app)?.dir).toBe(r.active);
  });

  it("counts commits behind HEAD for this repository's adapters and says so in the picker", async () => {
    const repo = temp("repolora-git-");
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: repo,
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@t",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@t",
        },
      }).trim();
    git("init", "-q");
    git("remote", "add", "origin", "https://tok@github.com/acme/app.git");
    writeFileSync(join(repo, "a.ts"), "1\n");
    git("add", "a.ts");
    git("commit", "-q", "-m", "one");
    const trained = git("rev-parse", "HEAD");
    for (const n of [2, 3]) {
      writeFileSync(join(repo, "a.ts"), `${n}\n`);
      git("commit", "-q", "-am", `c${n}`);
    }
    const identity = await repoIdentity(join(repo));
    expect(identity).toMatchObject({ remote: "https://github.com/acme/app.git", name: "app" });
    expect(identity.key).toBe(repoKey("app", "https://github.com/acme/app.git"));

    const root = temp("repolora-registry-");
    const dir = bundle(join(root, identity.key, "run"), {
      root: repo,
      remote: identity.remote,
      head: trained,
    });
    const current = bundle(join(root, identity.key, "run2"), {
      root: repo,
      remote: identity.remote,
      head: git("rev-parse", "HEAD"),
    });
    const foreign = bundle(join(root, "lib-1", "run"), {
      root: "/src/lib",
      remote: "https://x/y/lib",
      head: trained,
    });
    writeFileSync(join(root, identity.key, "active.json"), JSON.stringify({ adapter: "run" }));
    const listing = readRegistry(root);
    await addStaleness(listing.adapters, identity);
    const byDir = new Map(listing.adapters.map((a) => [a.dir, a]));
    expect(byDir.get(dir)!.commitsBehind).toBe(2);
    expect(byDir.get(current)!.commitsBehind).toBe(0);
    expect(byDir.get(foreign)!.commitsBehind).toBeUndefined();
    expect(describeAdapter(byDir.get(dir)!)).toMatch(/^active · .* · 2 commits behind$/);
    expect(describeAdapter(byDir.get(current)!)).toMatch(/ · up to date$/);
    expect(activeAdapterFor(listing, identity)?.dir).toBe(dir);
  });
});
