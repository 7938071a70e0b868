/**
 * Finds the trainer's Python environment (<repo>/.venv, built by generator/trainer/setup-venv.sh) and checks it
 * can import the training stack, saying exactly what to run when it cannot.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../../../runtime/src/util/package-root.ts";
import { RepoLoraError } from "../util/errors.ts";

const run = promisify(execFile);

/** The project root (a checkout, or the package the compiled CLI lies in). */
export const PROJECT_ROOT = packageRoot();

const SETUP_HINT = `Run \`bash ${join(PROJECT_ROOT, "generator", "trainer", "setup-venv.sh")}\` (Python >= 3.11; it installs the pinned training packages, several GB, into ${join(PROJECT_ROOT, ".venv")}), or set REPOLORA_TRAINER_PYTHON to a Python that has them.`;

/**
 * The environment the trainer's Python runs in: this package's trainer sources first on its path, so the
 * trainer always matches this CLI (also under REPOLORA_TRAINER_PYTHON, whose venv may hold another copy).
 */
export function trainerProcessEnv(): NodeJS.ProcessEnv {
  const sources = join(PROJECT_ROOT, "generator", "trainer");
  const rest = process.env.PYTHONPATH;
  return { ...process.env, PYTHONPATH: rest ? `${sources}${delimiter}${rest}` : sources };
}

export interface TrainerEnv {
  python: string;
  versions: Record<string, string>;
  cuda: boolean;
}

export function trainerPython(): string {
  const fromEnv = process.env.REPOLORA_TRAINER_PYTHON;
  if (fromEnv) return fromEnv;
  const python = join(PROJECT_ROOT, ".venv", "bin", "python");
  if (!existsSync(python)) {
    throw new RepoLoraError(
      "TRAINER_NOT_INSTALLED",
      `The trainer's Python environment is missing (${python}).`,
      SETUP_HINT,
    );
  }
  return python;
}

const PROBE = `
import json, importlib
out = {}
for name in ["torch", "transformers", "peft", "accelerate", "safetensors", "rapidfuzz", "repolora_trainer"]:
    module = importlib.import_module(name)
    out[name] = getattr(module, "__version__", "?")
import torch
print(json.dumps({"versions": out, "cuda": bool(torch.cuda.is_available())}))
`;

export async function checkTrainerEnv(): Promise<TrainerEnv> {
  const python = trainerPython();
  try {
    const { stdout } = await run(python, ["-c", PROBE], { timeout: 120_000, env: trainerProcessEnv() });
    const parsed = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
      versions: Record<string, string>;
      cuda: boolean;
    };
    return { python, versions: parsed.versions, cuda: parsed.cuda };
  } catch (error) {
    const detail = ((error as { stderr?: string }).stderr ?? String(error)).trim().split("\n").pop();
    throw new RepoLoraError(
      "TRAINER_NOT_INSTALLED",
      `The trainer's Python environment is incomplete: ${detail}`,
      SETUP_HINT,
    );
  }
}
