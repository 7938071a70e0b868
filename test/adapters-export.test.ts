/**
 * `repolora adapters import` and `repolora export` on the runtime's tiny random Qwen2/Llama models
 * (runtime/tools/make_tiny_models.py: adapter-1 = r4 on all seven projections, adapter-2 = r8 rsLoRA on four
 * projections of the last layer), with the PyTorch+PEFT reference logits that script stores:
 * - import validates with the runtime's loader (refusing DoRA and another base model) and registers a healthy bundle;
 * - peft export is byte-identical; merged export's logits equal base+adapter's (PyTorch) within 1e-4;
 * - gguf export reads back to the same ΔW (gguf reader + numpy) and, in llama.cpp via node-llama-cpp, gives the
 *   same greedy tokens and next-token probabilities within 2e-2 as PyTorch+PEFT.
 * Needs <repo>/.venv (generator/trainer/setup-venv.sh); the llama.cpp part needs node-llama-cpp@3.22.1 installed
 * outside the project ($REPOLORA_LLAMA_DIR, default /tmp/nlc; see docs/ADAPTERS.md) and is skipped without it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256File } from "../generator/src/adapters/registry/bundle.ts";
import { AdapterRegistry } from "../generator/src/adapters/registry/registry.ts";
import { loadPeftAdapter } from "../runtime/src/adapter/peft-adapter.ts";
import { type ModelPackage, prepareModelPackage } from "../runtime/src/model/package.ts";
import { withSafetensors } from "../runtime/src/safetensors/read.ts";
import { tempDir } from "./helpers/git-repo.ts";

const repoRoot = join(import.meta.dirname, "..");
const BIN = join(repoRoot, "bin", "repolora.mjs");
const python = process.env.REPOLORA_TRAINER_PYTHON ?? join(repoRoot, ".venv", "bin", "python");
const hasPython = existsSync(python);
const llamaDir = process.env.REPOLORA_LLAMA_DIR ?? "/tmp/nlc";
const llamaEntry = join(llamaDir, "node_modules", "node-llama-cpp", "dist", "index.js");
const hasLlama = existsSync(llamaEntry);
if (!hasPython)
  console.warn(`adapter export tests skipped: ${python} not found (generator/trainer/setup-venv.sh)`);
if (hasPython && !hasLlama) console.warn(`llama.cpp GGUF test skipped: no node-llama-cpp under ${llamaDir}`);

const cli = (...args: string[]) =>
  spawnSync("node", [BIN, ...args], { encoding: "utf8", timeout: 300_000, env: { ...process.env } });

// Each case starts Python with torch (seconds to a minute on 2 busy cores): generous per-test timeout.
describe.skipIf(!hasPython)("adapter import and export", { timeout: 300_000 }, () => {
  let work: string;
  let tiny: string;
  let registryDir: string;
  let pkg: ModelPackage;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    work = tempDir("repolora-export-");
    tiny = join(work, "tiny");
    execFileSync(python, [join(repoRoot, "runtime", "tools", "make_tiny_models.py"), tiny], {
      stdio: "ignore",
    });
    pkg = await prepareModelPackage({
      source: join(tiny, "qwen2", "model"),
      outDir: join(work, "package"),
      id: "repolora-tiny/qwen2",
      precision: "fp32",
    });
    registryDir = join(work, "adapters");
    for (const name of ["adapter-1", "adapter-2"]) {
      const result = cli(
        "adapters",
        "import",
        join(tiny, "qwen2", name),
        "--base",
        pkg.dir,
        "--name",
        name,
        "--adapters-dir",
        registryDir,
        "--json",
      );
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      ids[name] = JSON.parse(result.stdout).id;
    }
  });

  afterAll(() => {
    if (work && !process.env.REPOLORA_KEEP_TEST_FILES) rmSync(work, { recursive: true, force: true });
  });

  it("imports PEFT adapters of any rank and module subset, validated by the runtime's loader", async () => {
    const { adapters } = await new AdapterRegistry(registryDir).list();
    const rows = adapters.map((a) => [a.name, a.status, a.rank, a.useRslora, a.targets.length]);
    expect(rows.sort()).toEqual([
      ["adapter-1", "ok", 4, false, 7],
      ["adapter-2", "ok", 8, true, 4],
    ]);
    const dir = adapters.find((a) => a.name === "adapter-2")?.dir as string;
    const manifest = JSON.parse(readFileSync(join(dir, "repolora.json"), "utf8"));
    expect(manifest.baseModel).toMatchObject({
      id: "repolora-tiny/qwen2",
      sha256: pkg.manifest.baseModel.weightsSha256,
    });
    expect(manifest.lora.layers).toEqual([1]);
    // The registered bundle serves: the runtime loads it against the same package (base checked by sha256).
    expect(loadPeftAdapter(dir, pkg.lora).pairs.size).toBe(4);
  });

  it("refuses DoRA and adapters of another base model, with the runtime's reason", () => {
    const dora = join(work, "dora");
    cpSync(join(tiny, "qwen2", "adapter-1"), dora, { recursive: true });
    const config = JSON.parse(readFileSync(join(dora, "adapter_config.json"), "utf8"));
    writeFileSync(join(dora, "adapter_config.json"), JSON.stringify({ ...config, use_dora: true }));
    const refusedDora = cli("adapters", "import", dora, "--base", pkg.dir, "--adapters-dir", registryDir);
    expect(refusedDora.status).toBe(1);
    expect(refusedDora.stderr).toMatch(/use_dora is set.*DoRA/);
    const llama = cli(
      "adapters",
      "import",
      join(tiny, "llama", "adapter-1"),
      "--base",
      pkg.dir,
      "--adapters-dir",
      registryDir,
    );
    expect(llama.status).toBe(1);
    expect(llama.stderr).toMatch(/trained on base model "repolora-tiny\/llama"/);
    const byId = cli(
      "adapters",
      "import",
      join(tiny, "llama", "adapter-1"),
      "--base",
      "repolora-tiny/qwen2",
      "--adapters-dir",
      registryDir,
    );
    expect(byId.stderr).toMatch(/not "repolora-tiny\/qwen2"/);
  });

  it("exports peft as the bundle's files, byte for byte", async () => {
    const out = join(work, "peft-out");
    const exportPeft = [
      "export",
      ids["adapter-1"] as string,
      "--format",
      "peft",
      "--out",
      out,
      "--adapters-dir",
      registryDir,
    ];
    const result = cli(...exportPeft);
    expect(result.status).toBe(0);
    const src = join(registryDir, ids["adapter-1"] as string);
    expect(readdirSync(out).sort()).toEqual(readdirSync(src).sort());
    for (const file of readdirSync(src))
      expect(await sha256File(join(out, file))).toBe(await sha256File(join(src, file)));
    expect(cli(...exportPeft).stderr).toMatch(/already exists/); // a second export never overwrites
  });

  it("exports a merged model whose logits equal base + adapter (PyTorch + PEFT) within 1e-4", () => {
    for (const name of ["adapter-1", "adapter-2"]) {
      const out = join(work, `merged-${name}`);
      const result = cli(
        "export",
        ids[name] as string,
        "--format",
        "merged",
        "--out",
        out,
        "--base",
        join(tiny, "qwen2", "model"),
        "--dtype",
        "float32",
        "--adapters-dir",
        registryDir,
        "--json",
      );
      expect(result.status, result.stderr).toBe(0);
    }
    const check = execFileSync(
      python,
      ["-c", MERGED_LOGITS, join(tiny, "qwen2", "reference.safetensors"), work, "adapter-1", "adapter-2"],
      { encoding: "utf8" },
    );
    const measured = JSON.parse(check.trim().split("\n").pop() as string) as Record<
      string,
      { maxAbs: number; scale: number; baseDiff: number }
    >;
    console.log("merged vs PyTorch+PEFT logits:", JSON.stringify(measured));
    for (const name of ["adapter-1", "adapter-2"]) {
      expect(measured[name]?.maxAbs).toBeLessThan(1e-4);
      expect(measured[name]?.scale).toBeGreaterThan(0.5); // logits are not trivially small
      expect(measured[name]?.baseDiff).toBeGreaterThan(0.1); // and the adapter changed them
    }
    const missing = cli(
      "export",
      ids["adapter-1"] as string,
      "--format",
      "merged",
      "--out",
      join(work, "m3"),
      "--base",
      "nobody/no-model",
      "--adapters-dir",
      registryDir,
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/base model 'nobody\/no-model' is not on disk/);
    expect(existsSync(join(work, "m3"))).toBe(false);
  });

  it("exports a GGUF LoRA that reads back to PEFT's ΔW, and refuses what llama.cpp cannot apply", () => {
    for (const name of ["adapter-1", "adapter-2"]) {
      const out = join(work, `${name}.gguf`);
      const result = cli(
        "export",
        ids[name] as string,
        "--format",
        "gguf",
        "--out",
        out,
        "--base",
        join(tiny, "qwen2", "model"),
        "--adapters-dir",
        registryDir,
        "--json",
      );
      expect(result.status, result.stderr).toBe(0);
      const parsed = JSON.parse(result.stdout);
      expect(parsed.maxAbsError).toBeLessThan(1e-6);
      expect(parsed.tensors).toBe(name === "adapter-1" ? 28 : 8);
    }
    const arch = cli(
      "export",
      ids["adapter-1"] as string,
      "--format",
      "gguf",
      "--out",
      join(work, "x.gguf"),
      "--arch",
      "gpt2",
      "--adapters-dir",
      registryDir,
    );
    expect(arch.status).toBe(1);
    expect(arch.stderr).toMatch(/architecture 'gpt2' is not supported/);
    const dora = join(work, "dora-gguf");
    cpSync(join(tiny, "qwen2", "adapter-1"), dora, { recursive: true });
    const config = JSON.parse(readFileSync(join(dora, "adapter_config.json"), "utf8"));
    writeFileSync(join(dora, "adapter_config.json"), JSON.stringify({ ...config, use_dora: true }));
    const refused = cli("export", dora, "--format", "gguf", "--out", join(work, "d.gguf"), "--arch", "qwen2");
    expect(refused.stderr).toMatch(/use_dora is set/);
    expect(existsSync(join(work, "x.gguf")) || existsSync(join(work, "d.gguf"))).toBe(false);
  });

  it.skipIf(!hasLlama)("runs the GGUF LoRA in llama.cpp (node-llama-cpp) like PyTorch + PEFT", async () => {
    const base = join(work, "base-f32.gguf");
    writeBaseGguf(join(tiny, "qwen2", "model"), base);
    const { inputIds, cases } = readReference(join(tiny, "qwen2", "reference.safetensors"));
    // In a plain Node process: node-llama-cpp's native addon stays out of vitest's module runner.
    const job = join(work, "llama-job.json");
    const loras = { "adapter-1": join(work, "adapter-1.gguf"), "adapter-2": join(work, "adapter-2.gguf") };
    const plain = (c: Step) => ({ tokens: c.tokens, logits: c.logits.map((row) => Array.from(row)) });
    writeFileSync(
      job,
      JSON.stringify({
        llamaEntry: pathToFileURL(llamaEntry).href,
        base,
        loras,
        inputIds,
        cases: mapValues(cases, plain),
      }),
    );
    writeFileSync(join(work, "llama-job.mjs"), LLAMA_JOB);
    const run = spawnSync("node", [join(work, "llama-job.mjs"), job], { encoding: "utf8", timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout.trim().split("\n").pop() as string) as Record<
      string,
      { argmax: number[]; maxProbDiff: number; steps: number }
    >;
    for (const name of ["none", "adapter-1", "adapter-2"]) {
      const r = results[name] as (typeof results)[string];
      const want = (cases[name] as Step).tokens.slice(0, r.steps);
      expect(r.steps).toBe(10);
      expect(r.argmax, name).toEqual(want);
      expect(r.maxProbDiff, name).toBeLessThan(2e-2);
    }
    // The adapter matters: its greedy tokens differ from the base model's.
    expect(results["adapter-1"]?.argmax).not.toEqual(results.none?.argmax);
    console.log(
      "llama.cpp vs PyTorch+PEFT:",
      JSON.stringify(
        Object.fromEntries(
          Object.entries(results).map(([k, v]) => [k, { steps: v.steps, maxProbDiff: v.maxProbDiff }]),
        ),
      ),
    );
  });
});

/** Logits of each merged model on the reference prompt vs the stored PyTorch+PEFT (unmerged) prefill logits. */
const MERGED_LOGITS = `
import json, sys, torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM
ref_path, work, *cases = sys.argv[1:]
ref = load_file(ref_path)
out = {}
for case in cases:
    model = AutoModelForCausalLM.from_pretrained(f"{work}/merged-{case}", dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        logits = model(ref["input_ids"][None]).logits[0]
    want = ref[case + ".prefill_logits"]
    out[case] = {"maxAbs": float((logits - want).abs().max()), "scale": float(want.abs().max()),
                 "baseDiff": float((ref["none.prefill_logits"] - want).abs().max())}
print(json.dumps(out))
`;

/** llama.cpp's GGUF of the tiny base, f32, from runtime/tools/hf_to_gguf.py. */
function writeBaseGguf(modelDir: string, out: string): void {
  execFileSync(
    python,
    [join(repoRoot, "runtime", "tools", "hf_to_gguf.py"), "model", modelDir, out, "--type", "f32"],
    { stdio: "ignore" },
  );
}

interface Step {
  tokens: number[];
  /** Row i: next-token logits before tokens[i] (prefill's last row, then each decode step's). */
  logits: Float32Array[];
}

/** The prompt and, per case, the greedy tokens with the logits that chose each (PyTorch+PEFT). */
function readReference(path: string): { inputIds: number[]; cases: Record<string, Step> } {
  return withSafetensors(path, (file) => {
    const cases: Record<string, Step> = {};
    for (const name of ["none", "adapter-1", "adapter-2"]) {
      const prefill = file.float32(`${name}.prefill_logits`);
      const decode = file.float32(`${name}.decode_logits`);
      const [rows, vocab] = file.info(`${name}.prefill_logits`).shape as [number, number];
      const tokens = Array.from(file.int64(`${name}.decode_tokens`), Number);
      const logits = [prefill.slice((rows - 1) * vocab, rows * vocab)];
      for (let i = 0; i < tokens.length - 1; i++) logits.push(decode.slice(i * vocab, (i + 1) * vocab));
      cases[name] = { tokens, logits };
    }
    return { inputIds: Array.from(file.int64("input_ids"), Number), cases };
  });
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

/**
 * Loads the base GGUF in llama.cpp (node-llama-cpp, CPU, no build), then per case (no LoRA, each GGUF LoRA)
 * feeds the prompt and the reference's greedy tokens one by one (teacher forcing), reading llama.cpp's full
 * next-token distribution at each step (temperature 1 without top-k/top-p/min-p: the softmax of its logits).
 * yieldEogToken: otherwise the generator ends whenever its own (random, overridden) sample is an end-of-generation
 * token, which made the step count random.
 * Prints {case: {argmax[], maxProbDiff, steps}} against the softmax of PyTorch+PEFT's logits.
 */
const LLAMA_JOB = `
import { readFileSync } from "node:fs";
const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { getLlama } = await import(job.llamaEntry);
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: job.base });
const softmax = (logits) => {
  const max = Math.max(...logits);
  const exp = logits.map((x) => Math.exp(x - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((x) => x / sum);
};
const results = {};
for (const name of ["none", "adapter-1", "adapter-2"]) {
  const lora = job.loras[name] ? { lora: { adapters: [{ filePath: job.loras[name], scale: 1 }] } } : {};
  const context = await model.createContext({ contextSize: 128, threads: 1, ...lora });
  const reference = job.cases[name];
  const generator = context.getSequence().evaluateWithMetadata(job.inputIds, { probabilities: true },
    { temperature: 1, topK: 0, topP: 1, minP: 0, yieldEogToken: true });
  const argmax = [];
  let maxProbDiff = 0;
  let steps = 0;
  let next = await generator.next();
  while (!next.done && steps < reference.tokens.length) {
    const probabilities = next.value.probabilities;
    const want = softmax(reference.logits[steps]);
    let best = -1, bestP = -1;
    for (let token = 0; token < want.length; token++) {
      const got = probabilities.get(token) ?? 0;
      maxProbDiff = Math.max(maxProbDiff, Math.abs(got - want[token]));
      if (got > bestP) { best = token; bestP = got; }
    }
    argmax.push(best);
    next = await generator.next(reference.tokens[steps]);
    steps += 1;
  }
  await generator.return();
  await context.dispose();
  results[name] = { argmax, maxProbDiff, steps };
}
await model.dispose();
console.log(JSON.stringify(results));
`;
