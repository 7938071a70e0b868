import { describe, expect, it } from "vitest";
import { jobEta } from "../../util/progress.ts";
import { createTrainContext, trainJob } from "./context.ts";
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

describe("trainJob", () => {
  it("caps the training stage by --budget, so the job's ETA never exceeds what is left of it", () => {
    const job = trainJob("10m");
    expect(job.map((s) => s.name)).toEqual(["dataset", "training", "report card"]);
    // 60 s into training whose loop alone estimates 3,956 s: at most 540 s of training are left, and the
    // report card has no estimate yet, so the job's ETA is a lower bound.
    expect(jobEta(job, 1, 60, 3956)).toEqual({ seconds: 540, atLeast: true });
  });

  it("without a budget, the training stage has no cap", () => {
    expect(trainJob(undefined)[1]).toEqual({ name: "training", phases: ["training"] });
  });
});
