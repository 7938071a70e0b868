import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isThirdPartyNoise, openTrainerLog } from "./trainer-log.ts";

const LINES: [string, boolean][] = [
  [
    "/x/site-packages/transformers/modeling_utils.py:3303: FutureWarning: `is_gradient_checkpointing` is deprecated",
    true,
  ],
  ["  warnings.warn(", true],
  ["/x/peft/tuners/lora/model.py:12: UserWarning: something", true],
  [
    "Failed to load CPU gemm_4bit_forward from kernels-community: No module named 'kernels'. Please make sure you already `pip install kernels`",
    true,
  ],
  ["Loading weights: 100%|██████████| 26/26 [00:00<00:00, 25449.69it/s]", true],
  ["repolora-trainer: no CUDA: plain LoRA on CPU in fp32", false],
  ["repolora-trainer: error CANCELLED: stopped by SIGTERM; no adapter was written", false],
  ["verdict: adapter is not better than base", false],
  ["Traceback (most recent call last):", false],
];

describe("trainer stderr", () => {
  it.each(LINES)("%s → hidden: %s", (line, hidden) => {
    expect(isThirdPartyNoise(line)).toBe(hidden);
  });

  it("keeps every line, hidden or not, in the log file", () => {
    const path = join(mkdtempSync(join(tmpdir(), "repolora-log-")), "logs", "trainer.log");
    const log = openTrainerLog(["train", "--steps", "2"], path);
    expect(log.keep("  warnings.warn(")).toBe(false);
    expect(log.keep("repolora-trainer: ready")).toBe(true);
    const text = readFileSync(path, "utf8");
    expect(text).toMatch(
      /repolora_trainer train --steps 2\n {2}warnings\.warn\(\nrepolora-trainer: ready\n$/,
    );
  });
});
