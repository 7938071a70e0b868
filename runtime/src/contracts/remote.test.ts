import { describe, expect, it } from "vitest";
import { normalizeRemote, redactUrlCredentials, sameRemote } from "./remote.ts";

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

describe("redactUrlCredentials", () => {
  it("strips a user and token from a URL remote and leaves an scp-like one alone", () => {
    expect(redactUrlCredentials("https://user:ghp_abc@github.com/o/r.git")).toBe(
      "https://github.com/o/r.git",
    );
    expect(redactUrlCredentials("git@github.com:o/r.git")).toBe("git@github.com:o/r.git");
  });
});
