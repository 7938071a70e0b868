import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Debouncer } from "./debounce.ts";

describe("Debouncer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("resolves true after the delay when nothing supersedes it", async () => {
    const d = new Debouncer();
    const p = d.wait(100);
    await vi.advanceTimersByTimeAsync(99);
    let settled = false;
    void p.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toBe(true);
  });

  it("a newer call supersedes the waiting one at once", async () => {
    const d = new Debouncer();
    const first = d.wait(100);
    const second = d.wait(100);
    expect(await first).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(await second).toBe(true);
  });

  it("an abort resolves false and leaves later calls working", async () => {
    const d = new Debouncer();
    const controller = new AbortController();
    const p = d.wait(100, controller.signal);
    controller.abort();
    expect(await p).toBe(false);
    const next = d.wait(50);
    await vi.advanceTimersByTimeAsync(50);
    expect(await next).toBe(true);
  });

  it("an already-aborted signal and a zero delay answer at once", async () => {
    const d = new Debouncer();
    expect(await d.wait(100, AbortSignal.abort())).toBe(false);
    expect(await d.wait(0)).toBe(true);
  });

  it("supersede() cancels without a new wait", async () => {
    const d = new Debouncer();
    const p = d.wait(100);
    d.supersede();
    expect(await p).toBe(false);
  });
});
