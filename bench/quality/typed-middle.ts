/**
 * Is "the user typed the first k characters of the middle" as good a prompt when those characters go after
 * the old prompt (the typing anchor: `<fim_prefix>P<fim_suffix>S<fim_middle>` + typed, whose KV state the
 * runtime keeps across keystrokes) as when they are moved into the prefix (the natural prompt,
 * `<fim_prefix>P+typed<fim_suffix>S<fim_middle>`, which re-processes the whole suffix on every keystroke)?
 *
 * From one evaluation set this writes two variants with the same ids and the same target (the middle's
 * rest, middle[k:]), for `bench/quality/bench_eval.py --dataset natural=A --dataset anchored=B`:
 *
 *   npx tsx bench/quality/typed-middle.ts <dataset dir> --out <dir> [--seed 1] [--max-typed 64]
 *     → <dir>/natural, <dir>/anchored (eval.jsonl, dataset.json)
 *
 * k is drawn per example (seeded) from 1 .. min(|middle| − 1, --max-typed), so the rest is never empty; an
 * example whose rest is only whitespace is left out of both. Only templates whose prefix sits right before
 * the suffix marker (PSM: qwen2.5-coder, starcoder2, deepseek-coder) are supported; in SPM the prefix is
 * already last.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DatasetRecord } from "../../runtime/src/contracts/dataset.ts";
import { getTemplate, isTemplateId } from "../../runtime/src/prompt/index.ts";

export interface TypedPair {
  natural: DatasetRecord;
  anchored: DatasetRecord;
}

/** Both prompts of one example with `typed` characters of its middle typed; null if the rest is blank. */
export function typedPair(record: DatasetRecord, typed: number): TypedPair | null {
  const rest = record.middle.slice(typed);
  if (typed < 1 || rest.trim() === "") return null;
  const head = record.middle.slice(0, typed);
  const marker = suffixMarker(record.prompt.template);
  const at = `${record.prefix}${marker}`;
  const where = record.prompt.text.lastIndexOf(at);
  if (where < 0) throw new Error(`${record.id}: the prompt has no '<prefix>${marker}'; not a PSM prompt`);
  const naturalText = `${record.prompt.text.slice(0, where)}${record.prefix}${head}${record.prompt.text.slice(where + record.prefix.length)}`;
  const base = { ...record, prefix: `${record.prefix}${head}`, middle: rest };
  return {
    natural: { ...base, prompt: { ...record.prompt, text: naturalText } },
    anchored: { ...base, prompt: { ...record.prompt, text: `${record.prompt.text}${head}` } },
  };
}

function suffixMarker(template: string): string {
  if (!isTemplateId(template)) throw new Error(`unknown template ${template}`);
  const markers = getTemplate(template).markers;
  const marker = markers.find((m) => /fim_suffix|fim_hole|<SUF>/i.test(m));
  if (!marker || template.endsWith("-spm") || template === "codellama")
    throw new Error(`template ${template}: not a prefix-suffix-middle order this bench supports`);
  return marker;
}

/** Seeded k per example: 1 .. min(|middle| − 1, maxTyped). */
export function typedLengths(records: readonly DatasetRecord[], seed: number, maxTyped: number): number[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return records.map((r) => 1 + Math.floor(next() * Math.max(1, Math.min(r.middle.length - 1, maxTyped))));
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: "string" },
      seed: { type: "string", default: "1" },
      "max-typed": { type: "string", default: "64" },
    },
  });
  const dir = positionals[0];
  if (!dir || !values.out) throw new Error("usage: typed-middle.ts <dataset dir> --out <dir> [--seed 1]");
  const records = readFileSync(join(dir, "eval.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => DatasetRecord.parse(JSON.parse(line)));
  const lengths = typedLengths(records, Number(values.seed), Number(values["max-typed"]));
  const pairs = records.flatMap((r, i) => typedPair(r, lengths[i]!) ?? []);
  const manifest = readFileSync(join(dir, "dataset.json"), "utf8");
  for (const variant of ["natural", "anchored"] as const) {
    const out = join(values.out, variant);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "dataset.json"), manifest);
    writeFileSync(join(out, "train.jsonl"), "");
    writeFileSync(join(out, "eval.jsonl"), pairs.map((p) => `${JSON.stringify(p[variant])}\n`).join(""));
  }
  const kept = records.flatMap((r, i) => (typedPair(r, lengths[i]!) ? [lengths[i]!] : []));
  const meanTyped = kept.reduce((s, k) => s + k, 0) / Math.max(1, kept.length);
  process.stderr.write(
    `typed-middle: ${pairs.length} of ${records.length} examples, mean ${meanTyped.toFixed(1)} characters typed → ${values.out}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
