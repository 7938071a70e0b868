// One dataset build in this process, printing wall time and peak RSS as JSON (used by dataset-build.ts).

import { buildDataset } from "../../generator/src/dataset/build.ts";
import { silentProgress } from "../../generator/src/util/progress.ts";

const [repo, out, cacheDir] = process.argv.slice(2);
if (!repo || !out || !cacheDir) throw new Error("usage: dataset-once.ts <repo> <out> <cacheDir>");
const started = performance.now();
const { manifest } = await buildDataset({ repo, out, force: true, cacheDir, progress: silentProgress });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({
    seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    files: manifest.counts.files,
    lines: manifest.counts.lines,
    train: manifest.counts.train,
    eval: manifest.counts.eval,
    timings: manifest.timings,
  })}\n`,
);
