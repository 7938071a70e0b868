import { describe, expect, it } from "vitest";
import { argmax, onlyThese, sampleNucleus, tokenChooser } from "./sampling.ts";

const logits = Float32Array.of(1, 3, 2, -1); // probabilities at T = 1: 0.089, 0.657, 0.242, 0.012

describe("token choice", () => {
  it("is greedy without sampling or at temperature 0", () => {
    expect(argmax(logits)).toBe(1);
    expect(tokenChooser(undefined)(logits)).toBe(1);
    expect(tokenChooser({ temperature: 0, topP: 0.5, seed: 1 })(logits)).toBe(1);
  });

  it("keeps only the nucleus: top-p 0.5 leaves the single most likely token", () => {
    const choose = tokenChooser({ temperature: 1, topP: 0.5, seed: 3 });
    for (let i = 0; i < 50; i++) expect(choose(logits)).toBe(1);
  });

  it("samples by probability within the nucleus, reproducibly for a seed", () => {
    const draw = (seed: number) => {
      const choose = tokenChooser({ temperature: 1, topP: 0.85, seed });
      return Array.from({ length: 2000 }, () => choose(logits));
    };
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    // top-p 0.85: tokens 1 (0.657) and 2 (0.242) reach 0.899; tokens 0 and 3 are never drawn
    expect(new Set(a)).toEqual(new Set([1, 2]));
    const share = a.filter((t) => t === 1).length / a.length;
    expect(share).toBeGreaterThan(0.69); // 0.657 / 0.899 = 0.731 expected
    expect(share).toBeLessThan(0.77);
  });

  it("flattens with a high temperature and sharpens with a low one", () => {
    const sequence = [0.99, 0.5, 0.01];
    const fixed = () => sequence.shift() ?? 0.5;
    expect(sampleNucleus(logits, 0.05, 1, fixed)).toBe(1); // near-greedy: all mass on the max
    expect(() => tokenChooser({ temperature: 1, topP: 0, seed: 1 })).toThrow(/topP/);
  });

  it("picks only allowed tokens when the first token is restricted (token healing)", () => {
    const masked = onlyThese(logits, [0, 2, 99]);
    expect(argmax(masked)).toBe(2);
    expect(Array.from(masked)).toEqual([1, Number.NEGATIVE_INFINITY, 2, Number.NEGATIVE_INFINITY]);
    const sampled = tokenChooser({ temperature: 1, topP: 1, seed: 3 });
    for (let i = 0; i < 20; i++) expect([0, 2]).toContain(sampled(masked));
  });
});
