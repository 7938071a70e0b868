import { describe, expect, it } from "vitest";
import { normalizeRemote, sameRemote } from "./remote.ts";

describe("normalizeRemote", () => {
  it.each([
    ["https://github.com/acme/app.git", "github.com/acme/app"],
    ["https://user@github.com/Acme/App", "github.com/acme/app"],
    ["ssh://git@github.com/acme/app.git", "github.com/acme/app"],
    ["git@github.com:Acme/app.git", "github.com/acme/app"],
    ["  git@gitlab.example.org:group/sub/app  ", "gitlab.example.org/group/sub/app"],
  ])("%s → %s", (remote, expected) => expect(normalizeRemote(remote)).toBe(expected));

  it("compares remotes across URL forms", () => {
    expect(sameRemote("git@github.com:acme/app.git", "https://github.com/Acme/app")).toBe(true);
    expect(sameRemote("git@github.com:acme/app.git", "https://github.com/acme/other")).toBe(false);
  });
});
