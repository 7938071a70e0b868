/**
 * Seconds from starting `repolora train` to its first and second lines of output (then stops it):
 * `npx tsx bench/speed/train-first-output.ts <repo> [train options]`, e.g. `--base <tiny model> --steps 1`.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "..", "..", "bin", "repolora.mjs");
const t0 = performance.now();
const child = spawn("node", [BIN, "train", ...process.argv.slice(2)], { stdio: ["ignore", "pipe", "pipe"] });
const seen: string[] = [];
child.stderr.on("data", (chunk: Buffer) => {
  for (const line of chunk.toString().split("\n").filter(Boolean)) {
    if (seen.length < 2) seen.push(`${((performance.now() - t0) / 1000).toFixed(2)} s  ${line.slice(0, 80)}`);
  }
  if (seen.length >= 2) child.kill("SIGTERM");
});
child.on("close", () => process.stdout.write(`${seen.join("\n")}\n`));
