import { describe, expect, it } from "vitest";
import { createProgress, formatEta, type JobStage, jobEta } from "./progress.ts";

/** A stream that records what is written. */
function recorder(): { stream: NodeJS.WriteStream; text(): string } {
  let text = "";
  const write = (chunk: string): boolean => {
    text += chunk;
    return true;
  };
  const stream = { write, isTTY: false };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe("plain progress lines", () => {
  it("prints the last line of a phase once, even when done() and a new phase both close it", () => {
    const out = recorder();
    const progress = createProgress({ stream: out.stream, tty: false, plainIntervalMs: 0 });
    progress.phase("parsing", 2);
    progress.update(1);
    progress.update(2);
    progress.phase("building", 1);
    progress.update(1);
    progress.done();
    progress.done();
    const lines = out.text().trim().split("\n");
    expect(lines.map((l) => l.replace(/ eta .*/, ""))).toEqual([
      "parsing: 1/2 50%",
      "parsing: 2/2 100%",
      "building: 1/1 100%",
    ]);
  });

  it("still prints the final count when throttling hid it", () => {
    const out = recorder();
    const progress = createProgress({ stream: out.stream, tty: false, plainIntervalMs: 60_000 });
    progress.phase("reading files", 3);
    progress.tick();
    progress.tick();
    progress.tick();
    progress.done();
    expect(out.text().match(/reading files: \d\/3/g)).toEqual(["reading files: 1/3", "reading files: 3/3"]);
  });
});

/** The train command's shape: dataset (three phases), training under a 10-minute budget, report card. */
const TRAIN_JOB: JobStage[] = [
  { name: "dataset", phases: ["reading files", "parsing", "building examples"] },
  { name: "training", phases: ["training"], capSeconds: 600 },
  { name: "report card", phases: ["report card"] },
];

describe("jobEta", () => {
  it("adds the current stage's rest and the later stages' estimates", () => {
    const stages: JobStage[] = [
      { name: "a", phases: ["a"], expectSeconds: 100 },
      { name: "b", phases: ["b"], expectSeconds: 50 },
    ];
    expect(jobEta(stages, 0, 30, 20)).toEqual({ seconds: 70 + 50, atLeast: false });
    // The phase's measured rest wins over a smaller expectation.
    expect(jobEta(stages, 0, 90, 40)).toEqual({ seconds: 40 + 50, atLeast: false });
  });

  it("caps a budgeted stage by what is left of its budget (the loop's rate alone said 3956s)", () => {
    expect(jobEta(TRAIN_JOB, 1, 120, 3956)).toEqual({ seconds: 480, atLeast: true });
  });

  it("takes a later stage's budget as its estimate and says 'at least' for unknown ones", () => {
    expect(jobEta(TRAIN_JOB, 0, 5, 10)).toEqual({ seconds: 10 + 600, atLeast: true });
    const known = TRAIN_JOB.map((stage) =>
      stage.name === "report card" ? { ...stage, expectSeconds: 90 } : stage,
    );
    expect(jobEta(known, 1, 0, 300)).toEqual({ seconds: 300 + 90, atLeast: false });
  });
});

describe("whole-job ETA in the lines", () => {
  it("follows the job through its stages, capping training by its budget", () => {
    const out = recorder();
    let clock = 0;
    const progress = createProgress({
      stream: out.stream,
      tty: false,
      plainIntervalMs: 0,
      job: TRAIN_JOB,
      now: () => clock,
    });
    progress.phase("reading files", 10);
    clock += 2000;
    progress.update(5);
    progress.phase("training", 1000);
    clock += 60_000;
    progress.update(10); // 1% in 60 s: the rate says 5940 s, the budget leaves 540 s
    progress.expect("report card", 120);
    clock += 60_000;
    progress.update(20);
    progress.phase("report card (base, adapter)", 4);
    clock += 30_000;
    progress.update(1);
    progress.done();
    expect(out.text().trim().split("\n")).toEqual([
      // Dataset: its phase's rest, then the training budget; the report card is not known yet.
      "reading files: 5/10 50% eta 2s · job eta ≥10m02s",
      "training: 10/1000 1% eta 540s · job eta ≥9m00s",
      // The report card's estimate arrived: no longer a lower bound.
      "training: 20/1000 2% eta 480s · job eta 10m00s",
      "report card (base, adapter): 1/4 25% eta 90s · job eta 1m30s",
    ]);
  });

  it("leaves lines as they were without a job", () => {
    const out = recorder();
    let clock = 0;
    const progress = createProgress({ stream: out.stream, tty: false, plainIntervalMs: 0, now: () => clock });
    progress.phase("parsing", 4);
    clock += 1000;
    progress.update(1);
    expect(out.text()).toBe("parsing: 1/4 25% eta 3s\n");
  });
});

describe("formatEta", () => {
  it.each([
    [42, "42s"],
    [725, "12m05s"],
    [3780, "1h03m"],
  ])("%s s → %s", (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });
});
