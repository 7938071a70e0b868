import { describe, expect, it } from "vitest";
import { answerFromFallback, FALLBACK_CAP_SHARE, PrefillSpeed } from "./cold-fallback.ts";

describe("PrefillSpeed: ms per prompt token, from the worker's own prefills", () => {
  it("knows nothing before a prefill of at least 64 tokens, then smooths its measurements", () => {
    const speed = new PrefillSpeed();
    expect(speed.estimateMs(100)).toBeNull();
    speed.observe(10, 500); // too short to tell the speed per token
    speed.observe(200, 0); // no time: ignored
    expect(speed.estimateMs(100)).toBeNull();
    speed.observe(100, 300); // 3 ms a token
    expect(speed.estimateMs(100)).toBeCloseTo(300);
    speed.observe(100, 400); // 4 ms a token, weight 0.3
    expect(speed.estimateMs(100)).toBeCloseTo(330);
  });
});

describe("answerFromFallback: the short prompt when the long one's uncached tokens would not fit the cap", () => {
  const speed = new PrefillSpeed();
  speed.observe(100, 300); // 3 ms a token

  it("keeps the prompt while its prefill fits the cap's share, or before the speed is known", () => {
    expect(answerFromFallback(new PrefillSpeed(), 1000, 1000, 100)).toBe(false);
    expect(answerFromFallback(speed, 1000, 1, 100)).toBe(false); // typing on: one token to feed
    const fits = Math.floor((FALLBACK_CAP_SHARE * 1000) / 3);
    expect(answerFromFallback(speed, 1000, fits, 100)).toBe(false);
  });

  it("answers from the fallback when the prompt would take longer and the fallback feeds fewer tokens", () => {
    expect(answerFromFallback(speed, 1000, 900, 160)).toBe(true);
    expect(answerFromFallback(speed, 1000, 900, 900)).toBe(false);
    expect(answerFromFallback(speed, 0, 2, 1)).toBe(true); // a spent cap
  });
});
