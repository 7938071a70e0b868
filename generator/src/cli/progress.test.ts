import { describe, expect, it } from "vitest";
import { createProgress } from "./progress.ts";

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
