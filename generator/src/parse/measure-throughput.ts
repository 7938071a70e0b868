/**
 * Parse throughput on real files, queries included, on one core:
 *   npx tsx generator/src/parse/measure-throughput.ts node_modules/typescript/lib/_tsc.js [more files...]
 * Files without a grammar are skipped; the files are parsed once untimed, then timed. CPU time
 * is reported beside wall time because a busy machine stretches the latter.
 */
import { readFileSync } from "node:fs";
import { detectLanguage } from "./languages.ts";
import { parseSource } from "./parse.ts";

const files = process.argv
  .slice(2)
  .map((path) => ({ path, language: detectLanguage(path) }))
  .filter((f): f is { path: string; language: string } => f.language !== null)
  .map((f) => ({ ...f, source: readFileSync(f.path, "utf8") }));
if (files.length === 0) {
  console.error("usage: measure-throughput.ts <source files with a grammar...>");
  process.exit(2);
}

// One untimed pass: loads the grammars and lets V8 finish compiling (tiering up) their wasm and our code.
for (const { source, language } of files) await parseSource(source, language);

let bytes = 0;
let spans = 0;
const started = performance.now();
const cpuStarted = process.cpuUsage();
for (const { source, language } of files) {
  bytes += Buffer.byteLength(source);
  spans += (await parseSource(source, language)).spans.length;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const mb = bytes / 1e6;
console.log(`${files.length} files, ${mb.toFixed(2)} MB, ${spans} spans`);
console.log(`wall ${seconds.toFixed(2)} s: ${(mb / seconds).toFixed(2)} MB/s`);
console.log(`cpu  ${cpuSeconds.toFixed(2)} s: ${(mb / cpuSeconds).toFixed(2)} MB/s`);
