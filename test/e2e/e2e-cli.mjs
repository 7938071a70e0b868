#!/usr/bin/env node
// The `repolora` CLI as the extension sees it in the e2e test's fake mode (repolora.cliPath): `serve` runs
// fake-runtime.mjs (E2E_RUNTIME_CLI) in this process; `train` is a scripted trainer speaking `repolora train
// --json`'s protocol (phases, steps with loss and ETA, report progress, done with a report card that beats the
// base model). It writes an adapter bundle (PEFT files from E2E_ADAPTER_SOURCE, or placeholders). SIGTERM
// cancels it like the real one. Real mode runs bin/repolora.mjs for both commands instead.
import { cpSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";

const [command, ...rest] = process.argv.slice(2);
const env = process.env;

if (command === "serve") {
  process.argv = [process.argv[0], env.E2E_RUNTIME_CLI, "serve", ...rest];
  await import(env.E2E_RUNTIME_CLI);
} else if (command === "train") {
  await train(rest);
} else {
  process.stderr.write(`e2e-cli: unknown command ${command}\n`);
  process.exitCode = 2;
}

async function train(args) {
  const repo = resolve(args[0]);
  const option = (name) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const dataHome =
    env.REPOLORA_HOME ?? join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "repolora");
  const adaptersDir = option("--adapters-dir") ?? join(dataHome, "adapters");
  const rank = Number(option("--rank") ?? 16);
  const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let cancelled = false;
  process.on("SIGTERM", () => {
    cancelled = true;
  });
  const check = () => {
    if (!cancelled) return;
    emit({ event: "error", code: "CANCELLED", message: "Training cancelled; no adapter was written." });
    process.exit(130);
  };

  emit({ event: "phase", name: "dataset" });
  await sleep(300);
  emit({ event: "dataset", dir: "/tmp/e2e-dataset", train: 120, eval: 12, files: 2 });
  emit({ event: "phase", name: "train" });
  emit({ event: "start", device: "cpu", mode: "lora", steps: 8 });
  emit({ event: "message", level: "info", message: "no CUDA: plain LoRA on CPU in fp32" });
  for (let step = 1; step <= 8; step += 1) {
    await sleep(250);
    check();
    emit({ event: "step", step, of: 8, loss: 3 / step, tokensPerSec: 1000, etaSec: (8 - step) * 0.25 });
  }
  emit({ event: "phase", name: "eval" });
  for (let done = 4; done <= 12; done += 4) {
    await sleep(200);
    check();
    emit({ event: "reportProgress", done, of: 12, etaSec: (12 - done) * 0.05 });
  }
  const report = {
    schema: "repolora.report/1",
    examples: 12,
    systems: {
      base: { exactMatch: 0.083, editSimilarity: 0.41, identifierEm: 0.25, identifierF1: 0.38, loss: 2.9 },
      adapter: { exactMatch: 0.25, editSimilarity: 0.57, identifierEm: 0.42, identifierF1: 0.55, loss: 1.7 },
    },
    deltas: {
      "adapter-base": {
        exactMatch: { mean: 0.167, low: 0.0, high: 0.333 },
        editSimilarity: { mean: 0.16, low: 0.05, high: 0.27 },
        identifierEm: { mean: 0.17, low: 0.0, high: 0.33 },
        identifierF1: { mean: 0.17, low: 0.04, high: 0.3 },
      },
    },
    verdict: { adapterBetter: true, significant: true },
    samples: [
      {
        path: "src/main.ts",
        reference: "items.reduce((sum, item) => sum + item.price, 0)",
        predictions: { base: "items.length", adapter: "items.reduce((sum, item) => sum + item.price, 0)" },
      },
    ],
  };
  const head = "e2e0000000000000000000000000000000000000";
  const out = join(adaptersDir, `${basename(repo)}-e2e`, `20261123T000000Z-${head.slice(0, 8)}`);
  const staging = `${out}.tmp-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  if (env.E2E_ADAPTER_SOURCE) {
    for (const file of ["adapter_config.json", "adapter_model.safetensors"]) {
      cpSync(join(env.E2E_ADAPTER_SOURCE, file), join(staging, file));
    }
  } else {
    writeFileSync(join(staging, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: rank }));
    writeFileSync(join(staging, "adapter_model.safetensors"), "");
  }
  writeFileSync(join(staging, "report.json"), JSON.stringify(report, null, 2));
  writeFileSync(
    join(staging, "repolora.json"),
    JSON.stringify(
      {
        schema: "repolora.adapter/1",
        baseModel: { id: env.E2E_BASE_MODEL_ID ?? "repolora-tiny/qwen2" },
        repo: { root: repo, remote: null, head, trainedAt: new Date().toISOString() },
        lora: { r: rank, alpha: 2 * rank, useRslora: false, targets: ["q_proj", "v_proj"], layers: "all" },
        report,
      },
      null,
      2,
    ),
  );
  mkdirSync(join(out, ".."), { recursive: true });
  renameSync(staging, out);
  emit({ event: "done", adapterDir: out, steps: 8, loss: 0.375, seconds: 3, report });
}
