/**
 * int4 against fp32 on a real model: teacher-forced next-token predictions over real code, both packages made
 * from the same Hugging Face folder. Usage:
 *
 *   npx tsx bench/speed/runtime-int4-agreement.ts <int4 package> <fp32 package> [tokens=600] <file>...
 *
 * Prints the share of positions where int4's top-1 token equals fp32's, and each one's next-token accuracy
 * against the file itself.
 */
import { readFileSync } from "node:fs";
import { DecoderEngine } from "../../runtime/src/engine/decoder-engine.ts";
import { argmax } from "../../runtime/src/engine/sampling.ts";
import { openModelPackage } from "../../runtime/src/model/package.ts";
import { loadTokenizer } from "../../runtime/src/model/tokenizer.ts";

const [int4Dir, fp32Dir, count, ...files] = process.argv.slice(2);
if (!int4Dir || !fp32Dir || files.length === 0) {
  throw new Error("usage: runtime-int4-agreement.ts <int4 package> <fp32 package> <tokens> <file>...");
}
const text = files.map((file) => readFileSync(file, "utf8")).join("\n");
const ids = loadTokenizer(openModelPackage(int4Dir)).encode(text).slice(0, Number(count));

/** Top-1 prediction after each prefix of `ids`: one prefill with logits for every position. */
async function predictions(dir: string): Promise<number[]> {
  const engine = await DecoderEngine.create(openModelPackage(dir), { intraOpNumThreads: 2 });
  const { logits } = await engine.forward(ids, engine.emptyCache(), ids.length); // (S, V)
  const V = engine.vocabSize;
  const top = ids.map((_, row) => argmax(logits.subarray(row * V, (row + 1) * V)));
  await engine.release();
  return top;
}

const int4 = await predictions(int4Dir);
const fp32 = await predictions(fp32Dir);
const n = ids.length - 1;
let agree = 0;
let int4Right = 0;
let fp32Right = 0;
for (let i = 0; i < n; i++) {
  if (int4[i] === fp32[i]) agree++;
  if (int4[i] === ids[i + 1]) int4Right++;
  if (fp32[i] === ids[i + 1]) fp32Right++;
}
process.stdout.write(
  `${JSON.stringify({ positions: n, top1AgreementInt4VsFp32: agree / n, nextTokenAccuracy: { int4: int4Right / n, fp32: fp32Right / n } })}\n`,
);
