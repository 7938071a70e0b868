/**
 * Dataset build benchmark: cold build (empty parse cache), warm re-run, and an incremental re-run after one
 * changed file, on a local clone of a real repository. Usage:
 *   npx tsx bench/speed/dataset-build.ts <path to a git repo> [runs=3]
 * The repository is cloned to a temp folder first, so it is never modified.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Run {
  seconds: number;
  peakRssMiB: number;
  files: number;
  lines: number;
  train: number;
  eval: number;
  timings: Record<string, number>;
}

const [source, runsText = "3"] = process.argv.slice(2);
if (!source) throw new Error("usage: bench/speed/dataset-build.ts <repo> [runs]");
const runs = Number(runsText);
const work = mkdtempSync(join(tmpdir(), "repolora-bench-"));
const clone = join(work, "repo");
execFileSync("git", ["clone", "-q", "--no-checkout", source, clone]);
const git = (...args: string[]) => execFileSync("git", args, { cwd: clone, encoding: "utf8" }).trim();
// No checkout (mirrors may lack large blobs), but the index must hold HEAD for the bench commits below.
git("read-tree", "HEAD");

function once(cacheDir: string): Run {
  const output = execFileSync(
    "npx",
    ["tsx", "bench/speed/dataset-once.ts", clone, join(work, "out"), cacheDir],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return JSON.parse(output.trim().split("\n").pop()!) as Run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cold: Run[] = [];
const warm: Run[] = [];
const incremental: Run[] = [];
for (let i = 0; i < runs; i += 1) {
  const cacheDir = mkdtempSync(join(work, "cache-"));
  cold.push(once(cacheDir));
  warm.push(once(cacheDir));
  // One changed file: append a function to the largest TypeScript/Python file and commit it.
  const files = git("ls-tree", "-r", "-l", "HEAD")
    .split("\n")
    .map((l) => l.split(/\s+/))
    .filter((p) => /\.(ts|tsx|py)$/.test(p[4] ?? "") && Number(p[3]) < 200_000)
    .sort((a, b) => Number(b[3]) - Number(a[3]));
  const target = files[0]![4]!;
  const content = git("show", `HEAD:${target}`);
  const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], {
    cwd: clone,
    input: `${content}\n\nexport function benchAdded${i}(x: number): number {\n  return x * ${i + 2};\n}\n`,
    encoding: "utf8",
  }).trim();
  execFileSync("git", ["update-index", "--add", "--cacheinfo", `100644,${blob},${target}`], { cwd: clone });
  git(
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@example.com",
    "commit",
    "-q",
    "-m",
    `bench change ${i}`,
  );
  incremental.push(once(cacheDir));
  git("reset", "-q", "--soft", "HEAD~1");
  git("read-tree", "HEAD");
}

const head = git("rev-parse", "HEAD");
const summary = {
  repo: source,
  head,
  files: cold[0]!.files,
  lines: cold[0]!.lines,
  examples: { train: cold[0]!.train, eval: cold[0]!.eval },
  coldSeconds: median(cold.map((r) => r.seconds)),
  warmSeconds: median(warm.map((r) => r.seconds)),
  incrementalSeconds: median(incremental.map((r) => r.seconds)),
  peakRssMiB: Math.max(...cold.map((r) => r.peakRssMiB)),
  filesPerSecondCold: cold[0]!.files / median(cold.map((r) => r.seconds)),
  coldTimings: cold[0]!.timings,
  incrementalTimings: incremental[0]!.timings,
  runs,
  cpu: readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1],
  cores: execFileSync("nproc", { encoding: "utf8" }).trim(),
};
console.log(JSON.stringify(summary, null, 2));
if (process.env.BENCH_LOG) appendFileSync(process.env.BENCH_LOG, `${JSON.stringify(summary)}\n`);
