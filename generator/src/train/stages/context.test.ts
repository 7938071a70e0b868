import { describe, expect, it } from "vitest";
import { createTrainContext } from "./context.ts";
import { parseTrainFlags } from "./flags.ts";

function capture(args: string[]) {
  const written: string[] = [];
  const ctx = createTrainContext(parseTrainFlags(args), new AbortController().signal, {
    write: (text: string) => written.push(text),
  });
  return { ctx, written };
}

describe("createTrainContext", () => {
  it("with --json, writes events as JSON lines and no result lines", () => {
    const { ctx, written } = capture([".", "--json"]);
    ctx.emit({ event: "phase", name: "dataset" });
    ctx.print("Adapter written to /x");
    ctx.log("a progress line");
    expect(written).toEqual(['{"event":"phase","name":"dataset"}\n']);
  });

  it("without --json, writes result lines and no events", () => {
    const { ctx, written } = capture(["."]);
    ctx.emit({ event: "phase", name: "dataset" });
    ctx.print("Adapter written to /x");
    expect(written).toEqual(["Adapter written to /x\n"]);
  });
});
