import { describe, expect, it } from "vitest";
import { z } from "zod";
import { METHOD_PARAMS, type Methods } from "./protocol.ts";

/** True only when A and B are the same type (not merely assignable). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const complete: Methods["complete"]["params"] = {
  workspace: "/ws",
  documentUri: "file:///ws/a.ts",
  path: "a.ts",
  languageId: "typescript",
  repoName: "ws",
  prefix: "const a = ",
  suffix: "",
  context: [],
  multiline: false,
};

describe("protocol types are the validator's types", () => {
  it("each method's params type is exactly what its schema outputs (checked by tsc)", () => {
    const same: Same<z.output<typeof METHOD_PARAMS.complete>, Methods["complete"]["params"]> = true;
    const sameInit: Same<z.output<typeof METHOD_PARAMS.initialize>, Methods["initialize"]["params"]> = true;
    expect([same, sameInit]).toEqual([true, true]);
  });

  it("a new required field fails type checking for a client that does not send it, and fails validation", () => {
    const Extended = METHOD_PARAMS.complete.extend({ priority: z.number() });
    // @ts-expect-error a request without the new required field no longer compiles
    const stale: z.infer<typeof Extended> = complete;
    const parsed = Extended.safeParse(stale);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["priority"]);
  });

  it("a missing required field is a type error and a validation error (never silently defaulted)", () => {
    const { workspace: _dropped, ...withoutWorkspace } = complete;
    // @ts-expect-error `workspace` is required by the type, as by the schema
    const typed: Methods["complete"]["params"] = withoutWorkspace;
    const parsed = METHOD_PARAMS.complete.safeParse(typed);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["workspace"]);
  });

  it("accepts a well-formed request and strips keys the protocol does not define", () => {
    const parsed = METHOD_PARAMS.complete.parse({ ...complete, unknownKey: 1 });
    expect(parsed).toEqual(complete);
  });
});
