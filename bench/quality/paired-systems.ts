/**
 * Two systems of one or more `bench_eval.py` outputs, paired by example: held-out NLL of the middle and edit
 * similarity / exact match, treatment − control with the project's paired bootstrap (stats.ts), per file and
 * pooled over all files (each example once).
 *
 *   npx tsx bench/quality/paired-systems.ts --treatment <system> --control <system> scores.json [...]
 *
 * System names are bench_eval's: the adapter label on the first dataset variant, "<label>+<variant>" on the
 * others (e.g. --treatment default+anchored --control default).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { type Interval, mean, pairedBootstrap } from "./stats.ts";

interface SystemScores {
  scores: Record<string, number[]>;
  nll: number[];
}

interface BenchEvalOutput {
  systems: Record<string, SystemScores>;
}

export interface PairedRow {
  label: string;
  nllN: number;
  nll: { treatment: number; control: number; diff: Interval };
  completionsN: number;
  editSimilarity: Interval | null;
  exactMatch: Interval | null;
}

/** Treatment − control on one set of paired scores. */
export function pairedRow(label: string, treatment: SystemScores, control: SystemScores): PairedRow {
  const metric = (name: string) => {
    const t = treatment.scores[name] ?? [];
    const c = control.scores[name] ?? [];
    return t.length > 0 && t.length === c.length ? pairedBootstrap(t, c) : null;
  };
  return {
    label,
    nllN: treatment.nll.length,
    nll: {
      treatment: mean(treatment.nll),
      control: mean(control.nll),
      diff: pairedBootstrap(treatment.nll, control.nll),
    },
    completionsN: (treatment.scores.editSimilarity ?? []).length,
    editSimilarity: metric("editSimilarity"),
    exactMatch: metric("exactMatch"),
  };
}

function system(file: string, output: BenchEvalOutput, name: string): SystemScores {
  const found = output.systems[name];
  if (!found) throw new Error(`${file}: no system ${name} (has ${Object.keys(output.systems).join(", ")})`);
  return found;
}

const fmt = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`;
const interval = (i: Interval | null) => (i ? `${fmt(i.mean)} [${fmt(i.low)}, ${fmt(i.high)}]` : "—");

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { treatment: { type: "string" }, control: { type: "string" } },
  });
  if (!values.treatment || !values.control || positionals.length === 0)
    throw new Error("usage: paired-systems.ts --treatment <system> --control <system> scores.json [...]");
  const pooledT: SystemScores = { scores: {}, nll: [] };
  const pooledC: SystemScores = { scores: {}, nll: [] };
  const rows: PairedRow[] = [];
  for (const file of positionals) {
    const output = JSON.parse(readFileSync(file, "utf8")) as BenchEvalOutput;
    const t = system(file, output, values.treatment);
    const c = system(file, output, values.control);
    rows.push(pairedRow(basename(file, ".json"), t, c));
    for (const [into, from] of [
      [pooledT, t],
      [pooledC, c],
    ] as const) {
      into.nll.push(...from.nll);
      for (const [name, xs] of Object.entries(from.scores))
        into.scores[name] = [...(into.scores[name] ?? []), ...xs];
    }
  }
  if (positionals.length > 1) rows.push(pairedRow("pooled", pooledT, pooledC));
  console.log(`${values.treatment} − ${values.control} (paired bootstrap, 1,000 resamples, 95%)`);
  console.log("| set | NLL n | NLL treatment / control | NLL diff | completions n | ES diff | EM diff |");
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.nllN} | ${r.nll.treatment.toFixed(3)} / ${r.nll.control.toFixed(3)} | ${interval(r.nll.diff)} | ${r.completionsN} | ${interval(r.editSimilarity)} | ${interval(r.exactMatch)} |`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
