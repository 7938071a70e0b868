/**
 * Secret-scrubbing throughput on a repository's tracked text files: `npx tsx bench/speed/scrub-throughput.ts <repo>`.
 * Prints files, MiB, the best of five passes and how many files scrubbing changed (every one a candidate
 * false positive to read when the repository holds no secrets).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scrubSecrets } from "../../generator/src/secrets/index.ts";

const repo = process.argv[2] ?? ".";
const paths = execFileSync("git", ["ls-files", "*.ts", "*.py", "*.md", "*.json", "*.yml", "*.yaml", "*.sh"], {
  cwd: repo,
  encoding: "utf8",
})
  .split("\n")
  .filter(Boolean);
const texts = paths.map((path) => readFileSync(join(repo, path), "utf8"));
const mib = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 2 ** 20;
let best = Number.POSITIVE_INFINITY;
const changed = new Set<string>();
for (let pass = 0; pass < 5; pass++) {
  const started = performance.now();
  texts.forEach((text, i) => {
    if (scrubSecrets(text).text !== text) changed.add(paths[i]!);
  });
  best = Math.min(best, performance.now() - started);
}
console.log(
  `${paths.length} files, ${mib.toFixed(1)} MiB: best of 5 ${best.toFixed(0)} ms = ${((mib / best) * 1000).toFixed(1)} MiB/s; changed ${changed.size}: ${[...changed].join(", ")}`,
);
