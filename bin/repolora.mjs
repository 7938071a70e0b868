#!/usr/bin/env node
// Entry point of the `repolora` CLI. It runs the compiled CLI (dist/cli.mjs, `npm run build:cli`), which needs
// production dependencies only. Only in a development checkout — the TypeScript sources are here and either no
// bundle was built or a source file is newer than it — does it run the sources through tsx, a devDependency.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = join(root, "dist", "cli.mjs");
const sources = ["generator/src", "runtime/src", "bench/quality"]
  .map((dir) => join(root, dir))
  .filter((dir) => existsSync(dir));

/** The newest modification time of a .ts/.mjs file under dir (a checkout's sources: a few hundred files). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|mjs)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const bundleIsCurrent =
  existsSync(bundle) && sources.every((dir) => newestSource(dir) <= statSync(bundle).mtimeMs);
if (bundleIsCurrent || sources.length === 0) {
  await import(new URL("../dist/cli.mjs", import.meta.url).href);
} else {
  const tsx = await import("tsx/esm/api").catch(() => null);
  if (tsx) {
    tsx.register();
    await import("../generator/src/cli/run.ts");
  } else {
    process.stderr.write(
      `repolora: the compiled CLI ${existsSync(bundle) ? "is older than the sources" : "is missing"} and tsx (a devDependency) is not installed.\nhint: Run \`npm run build:cli\` (with devDependencies installed).\n`,
    );
    process.exitCode = 1;
  }
}
