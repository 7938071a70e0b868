import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { CursorError, splitAtCursor } from "../../../../runtime/src/complete/cursor.ts";
import { PROTOCOL_VERSION } from "../../../../runtime/src/protocol/index.ts";
import { RpcError } from "../../../../runtime/src/server/jsonrpc.ts";
import { silentLogger, stderrLogger } from "../../../../runtime/src/server/log.ts";
import { RuntimeService } from "../../../../runtime/src/server/service.ts";
import { AdapterRegistry } from "../../adapters/registry/registry.ts";
import { ensureEmbeddedPackage } from "../../train/embedded-default.ts";
import { dataHome } from "../../train/locations.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora complete <file> --line <L> --col <C> --model <package dir> [options]

Prints the completion the runtime gives at a cursor in a file: the same prompt, adapters, stop rules and
post-processing as the editor gets from \`repolora serve\`.

Options:
  --line <L>, --col <C>     Cursor position, 1-based (a column counts characters; --col 1 = line start).
  --model <dir>             Model package (from \`repolora model prepare\`; default: the embedded default's,
                            prepared on first use, completing with the shipped default adapter unless --adapter).
  --adapter <a>[:weight]    PEFT adapter folder or registry id (\`repolora adapters list\`; a unique prefix will
                            do), optionally scaled; repeat to stack adapters.
  --adapters-dir <dir>      Registry to resolve adapter ids in (default: ${join(dataHome(), "adapters")}).
  --multiline               Complete to the end of the block (default: to the end of the line).
  --max-tokens <n>          Completion length limit (default 64 single-line, 256 multi-line).
  --threads <n>             onnxruntime intra-op threads.
  --temperature <t>         Sample instead of greedy decoding (t > 0; default 0 = greedy, as the editor).
  --top-p <p>               Nucleus mass for sampling, in (0, 1] (default 1).
  --seed <n>                Sampling seed (default 0): the same seed gives the same completion.
  --json                    Print the whole result (text, stop reason, token counts, timings) as JSON.
  --verbose                 Log the runtime's steps on stderr.

The path shown to the model is the file's path relative to its git repository (the folder holding .git),
and the repository's folder name is the repo name.

Example:
  repolora complete src/app.ts --line 12 --col 5 --model ./models/qwen --adapter ./adapters/my-repo`;

export const completeCommand: Command = {
  name: "complete",
  summary: "Print the completion at a cursor in a file (base model or adapters)",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      line: { type: "string" },
      col: { type: "string" },
      model: { type: "string" },
      adapter: { type: "string", multiple: true },
      multiline: { type: "boolean" },
      "max-tokens": { type: "string" },
      threads: { type: "string" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
      verbose: { type: "boolean" },
      "adapters-dir": { type: "string" },
    });
    const file = positionals[0];
    if (!file || positionals.length > 1)
      throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one file.", HELP.split("\n")[0]);
    if (values.line === undefined || values.col === undefined) {
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        "--line and --col are required (1-based).",
        "e.g. --line 12 --col 5",
      );
    }
    const path = resolve(file);
    if (!existsSync(path) || !statSync(path).isFile())
      throw new RepoLoraError("BAD_ARGUMENT", `${file} is not a file.`);
    let split: { prefix: string; suffix: string };
    try {
      split = splitAtCursor(
        readFileSync(path, "utf8"),
        numberOption("line", values.line, 1, 1),
        numberOption("col", values.col, 1, 1),
      );
    } catch (error) {
      if (error instanceof CursorError) throw new RepoLoraError("BAD_ARGUMENT", `${file}: ${error.message}.`);
      throw error;
    }
    const adapters = await resolveAdapters(values.adapter ?? [], values["adapters-dir"]);
    const repoRoot = findRepoRoot(dirname(path));
    const threads = values.threads === undefined ? undefined : numberOption("threads", values.threads, 1, 1);
    const maxTokens =
      values["max-tokens"] === undefined
        ? undefined
        : numberOption("max-tokens", values["max-tokens"], 64, 1);

    const sampling = samplingOptions(values.temperature, values["top-p"], values.seed);

    // No --model: the embedded default's package (prepared once), with the shipped default adapter.
    const model = values.model ?? (await ensureEmbeddedPackage((line) => process.stderr.write(`${line}\n`)));
    const service = new RuntimeService({
      log: values.verbose ? stderrLogger("debug") : silentLogger,
      promptCaches: 0,
    });
    try {
      await service.initialize({
        protocolVersion: PROTOCOL_VERSION,
        modelPackage: model,
        ...(threads ? { threads } : {}),
      });
      for (const [index, adapter] of adapters.entries()) {
        await service.loadAdapter({ key: `adapter-${index + 1}`, dir: adapter.dir });
      }
      service.setWorkspaceAdapters({
        workspace: "cli",
        adapters: adapters.map((a, index) => ({ key: `adapter-${index + 1}`, weight: a.weight })),
      });
      const result = await service.complete(1, {
        workspace: "cli",
        documentUri: `file://${path}`,
        path: relative(repoRoot, path).split("\\").join("/"),
        languageId: "",
        repoName: basename(repoRoot),
        prefix: split.prefix,
        suffix: split.suffix,
        context: [],
        multiline: values.multiline ?? false,
        ...(maxTokens ? { maxTokens: Math.floor(maxTokens) } : {}),
        ...sampling,
      });
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.text}\n`);
      return 0;
    } catch (error) {
      if (error instanceof RpcError)
        throw new RepoLoraError("BAD_ARGUMENT", `${error.code}: ${error.message}`, hintFor(error.code));
      throw error;
    } finally {
      await service.shutdown();
    }
  },
};

/** `dir` or `dir:weight` (the last colon followed by a number is the weight; paths may contain colons). */
export function parseAdapterOption(value: string): { dir: string; weight: number } {
  const match = /^(.*):(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(value);
  const dir = match ? match[1]! : value;
  const weight = match ? Number(match[2]) : 1;
  if (!dir)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `--adapter '${value}' has no folder.`,
      "Use --adapter <dir>[:weight].",
    );
  return { dir, weight };
}

/** --adapter values → folders: a folder as given, else a registry id (as `eval` and `export` resolve them). */
async function resolveAdapters(
  values: string[],
  adaptersDir: string | undefined,
): Promise<Array<{ dir: string; weight: number }>> {
  const registry = new AdapterRegistry(resolve(adaptersDir ?? join(dataHome(), "adapters")));
  const adapters = [];
  for (const { dir, weight } of values.map(parseAdapterOption))
    adapters.push({ dir: existsSync(dir) ? dir : (await registry.get(dir)).dir, weight });
  return adapters;
}

/** --temperature/--top-p/--seed → the protocol's sampling fields; none of them = greedy (nothing sent). */
export function samplingOptions(
  temperature: string | undefined,
  topP: string | undefined,
  seed: string | undefined,
): { temperature?: number; topP?: number; seed?: number } {
  const t = numberOption("temperature", temperature, 0, 0);
  const p = numberOption("top-p", topP, 1, 0);
  if (p <= 0 || p > 1) throw new RepoLoraError("BAD_ARGUMENT", `--top-p must be in (0, 1], got '${topP}'.`);
  if (t === 0 && (topP !== undefined || seed !== undefined))
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      "--top-p and --seed only apply when sampling.",
      "Add --temperature <t> (e.g. 0.8), or drop them for greedy decoding.",
    );
  if (t === 0) return {};
  const n = numberOption("seed", seed, 0, 0);
  if (!Number.isInteger(n))
    throw new RepoLoraError("BAD_ARGUMENT", `--seed must be an integer, got '${seed}'.`);
  return { temperature: t, topP: p, seed: n };
}

/** The nearest ancestor holding .git, else the file's own folder. */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

function hintFor(code: string): string | undefined {
  switch (code) {
    case "MODEL_LOAD_FAILED":
      return "Check --model points at a folder made by `repolora model prepare`.";
    case "ADAPTER_NOT_FOUND":
      return "--adapter must be a PEFT folder with adapter_config.json and adapter_model.safetensors.";
    case "ADAPTER_MISMATCH":
      return "The adapter was trained for another base model or shape; train it for this model package.";
    default:
      return undefined;
  }
}
