/**
 * The FIM probe (test/fixtures/fim-probe/cases.jsonl) through the real serving path, RuntimeService, on a model
 * package: exact-match pass rate per language and overall, greedy, one completion at a time.
 *
 *   npx tsx bench/quality/fim-probe.ts [--model <package dir>] [--no-default-adapter] [--tiny] [--threads N] [--show-failures]
 *
 * --model: a folder made by `repolora model prepare`; default: the embedded default package (prepared on first
 *   use, see generator/src/train/embedded-default.ts).
 * System: the default completion system (the runtime applies the shipped default adapter to a workspace without
 *   an adapter); --no-default-adapter: the raw base model.
 * --tiny: the tiny random model of runtime/src/testing/random-model.ts instead (exercises the script without a
 *   real model; its pass rate means nothing, and the shipped default adapter is refused as a mismatch).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureEmbeddedPackage } from "../../generator/src/train/embedded-default.ts";
import { loadFimProbeCases, type ProbeScore, runFimProbe } from "../../runtime/src/complete/fim-probe.ts";
import { prepareModelPackage } from "../../runtime/src/model/package.ts";
import { PROTOCOL_VERSION } from "../../runtime/src/protocol/index.ts";
import { silentLogger } from "../../runtime/src/server/log.ts";
import { RuntimeService } from "../../runtime/src/server/service.ts";
import { TINY_QWEN2, writeRandomModel } from "../../runtime/src/testing/random-model.ts";

const CASES_FILE = join(import.meta.dirname, "..", "..", "test", "fixtures", "fim-probe", "cases.jsonl");

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    "no-default-adapter": { type: "boolean", default: false },
    tiny: { type: "boolean", default: false },
    threads: { type: "string" },
    "show-failures": { type: "boolean", default: false },
  },
});
if (values.tiny && values.model) {
  console.error("--tiny and --model are exclusive: --tiny completes with a random model of its own");
  process.exit(2);
}
const threads = values.threads === undefined ? undefined : Number(values.threads);
if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
  console.error(`--threads must be a positive integer, got '${values.threads}'`);
  process.exit(2);
}

const say = (line: string) => console.error(line);
const scratch = values.tiny ? mkdtempSync(join(tmpdir(), "repolora-fim-probe-")) : null;

async function packageDir(): Promise<string> {
  if (scratch !== null) {
    writeRandomModel(join(scratch, "model"), TINY_QWEN2);
    const dir = join(scratch, "package");
    await prepareModelPackage({
      source: join(scratch, "model"),
      outDir: dir,
      id: "repolora-tiny/qwen2-random",
    });
    return dir;
  }
  return values.model ?? (await ensureEmbeddedPackage(say));
}

const percent = (score: ProbeScore) =>
  `${(100 * score.passRate).toFixed(1)}% (${score.passed}/${score.total})`;

const service = new RuntimeService({ log: silentLogger, promptCaches: 0 });
try {
  const cases = loadFimProbeCases(CASES_FILE);
  const modelPackage = await packageDir();
  const init = await service.initialize({
    protocolVersion: PROTOCOL_VERSION,
    modelPackage,
    ...(threads === undefined ? {} : { threads }),
    ...(values["no-default-adapter"] ? { defaultAdapter: null } : {}),
  });
  const adapter = init.defaultAdapter;
  const system =
    adapter === null
      ? "raw base (no default adapter)"
      : adapter.active
        ? `default system (base + ${adapter.dir})`
        : `raw base: default adapter ${adapter.dir} refused (${adapter.problem ?? "unknown reason"})`;
  console.log(`model: ${init.model.id} (${modelPackage}), template ${init.model.fimTemplate}`);
  console.log(`system: ${system}`);
  let id = 0;
  const started = performance.now();
  const report = await runFimProbe(cases, async (request) => (await service.complete(++id, request)).text);
  const seconds = (performance.now() - started) / 1000;
  for (const [language, score] of Object.entries(report.byLanguage))
    console.log(`${language}: ${percent(score)}`);
  console.log(`overall: ${percent(report)} in ${seconds.toFixed(1)} s`);
  if (values["show-failures"])
    for (const r of report.results.filter((x) => !x.pass))
      console.log(`FAIL ${r.id}: expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(r.answer)}`);
} finally {
  await service.shutdown();
  if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
}
