import { describe, expect, it } from "vitest";
import { ActiveRecord, isAdapterFolderName, repoKey, repoName } from "./registry.ts";

describe("registry keys", () => {
  it("names a repository by its remote, else its folder", () => {
    expect(repoName("git@github.com:o/shop.git", "/x/y")).toBe("shop");
    expect(repoName("https://github.com/acme/app.git", "/x")).toBe("app");
    expect(repoName(null, "/x/my-repo")).toBe("my-repo");
  });

  it("keys a repository by a safe name and 8 hex of sha256(remote, else root)", () => {
    expect(repoKey("app", "https://github.com/acme/app.git")).toMatch(/^app-[0-9a-f]{8}$/);
    expect(repoKey("my repo!", "/home/u/my repo!")).toBe("my_repo_-c7c1e0a0");
    expect(repoKey("", "/r")).toMatch(/^repo-/);
    expect(repoKey("a", "x")).not.toBe(repoKey("a", "y"));
  });
});

describe("active.json", () => {
  it("reads the adapter and falls back for the other fields of an older file", () => {
    expect(ActiveRecord.parse({ adapter: "20261201T000000Z-abc" })).toEqual({
      schema: 1,
      adapter: "20261201T000000Z-abc",
      activatedAt: "",
      pid: 0,
    });
  });

  it("refuses a file that names no valid adapter folder", () => {
    for (const adapter of ["", "../x", ".staging", 3, undefined]) {
      expect(ActiveRecord.safeParse({ adapter }).success, String(adapter)).toBe(false);
    }
    expect(isAdapterFolderName("a/b")).toBe(false);
  });
});
