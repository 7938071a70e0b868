import { describe, expect, it } from "vitest";
import { type CursorEvent, WarmUpTrigger } from "./warm-up.ts";

/** Timers driven by hand: `advance` runs what is due. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; callback: () => void }>();
  return {
    timers: {
      setTimeout: (callback: () => void, ms: number) => {
        due.set(next, { at: now + ms, callback });
        return next++;
      },
      clearTimeout: (handle: unknown) => {
        due.delete(handle as number);
      },
    },
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...due]) {
        if (timer.at <= now) {
          due.delete(id);
          timer.callback();
        }
      }
    },
  };
}

function setup(delay = 500) {
  const clock = fakeTimers();
  const fired: CursorEvent[] = [];
  let delayMs = delay;
  const trigger = new WarmUpTrigger(
    () => delayMs,
    (event) => fired.push(event),
    clock.timers,
  );
  return { clock, fired, trigger, setDelay: (ms: number) => (delayMs = ms) };
}

describe("WarmUpTrigger", () => {
  it("fires once the cursor has rested at a new place for the delay", () => {
    const { clock, fired, trigger } = setup();
    trigger.cursorMoved({ uri: "a", version: 1, offset: 10 });
    clock.advance(300);
    trigger.cursorMoved({ uri: "a", version: 1, offset: 20 }); // moved on before resting: restarts the wait
    clock.advance(300);
    expect(fired).toEqual([]);
    clock.advance(200);
    expect(fired).toEqual([{ uri: "a", version: 1, offset: 20 }]);
    trigger.cursorMoved({ uri: "a", version: 1, offset: 20 }); // the same place again: already warm
    clock.advance(1000);
    expect(fired).toHaveLength(1);
  });

  it("does not fire for cursor moves made by typing, nor after an edit while waiting", () => {
    const { clock, fired, trigger } = setup();
    trigger.cursorMoved({ uri: "a", version: 1, offset: 10 });
    trigger.edited("a"); // typing started before the cursor rested
    clock.advance(1000);
    expect(fired).toEqual([]);
    trigger.cursorMoved({ uri: "a", version: 2, offset: 11 }); // the move the keystroke made
    clock.advance(1000);
    expect(fired).toEqual([]);
    trigger.cursorMoved({ uri: "a", version: 2, offset: 40 }); // then an arrow key or a click
    clock.advance(500);
    expect(fired).toEqual([{ uri: "a", version: 2, offset: 40 }]);
  });

  it("is off at a delay of 0", () => {
    const { clock, fired, trigger, setDelay } = setup();
    setDelay(0);
    trigger.cursorMoved({ uri: "a", version: 1, offset: 10 });
    clock.advance(10_000);
    expect(fired).toEqual([]);
  });
});
