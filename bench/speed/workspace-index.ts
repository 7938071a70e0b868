/**
 * The extension's retrieval index on a real folder: time to load it (list, read, cut into windows, build the
 * postings), to rebuild the postings after an edit, and to answer a query at the default 1,024-token budget.
 *
 *   npx tsx bench/speed/workspace-index.ts <folder> [queries]
 *
 * Queries are cursors at the middle line of every ~10th indexed file (prefix = the lines above, suffix = the
 * lines below); the median and the 95th percentile are printed. Rebuild after one file's edit: the median of 5.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listWorkspaceFiles } from "../../extension/src/core/workspace-files.ts";
import {
  loadWorkspace,
  retrievalOptionsForPromptTokens,
  WorkspaceIndex,
} from "../../extension/src/core/workspace-index.ts";

const [folder, queriesArg] = process.argv.slice(2);
if (!folder) {
  console.error("usage: npx tsx bench/speed/workspace-index.ts <folder> [queries]");
  process.exit(2);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

const index = new WorkspaceIndex(retrievalOptionsForPromptTokens(1024));
const load = await loadWorkspace(folder, index);
const stats = index.stats();

const listing = await listWorkspaceFiles(folder);
const paths = listing.paths.filter((p) => index.has(p));

// An edit: one file re-cut (as the extension does after typing pauses), then the postings rebuilt.
const rebuilds: number[] = [];
const edited = readFileSync(join(folder, paths[0]!), "utf8");
for (let i = 0; i < 5; i++) {
  index.setFile(paths[0]!, `${edited}\n// edit ${i}\n`);
  const t = performance.now();
  index.rebuild();
  rebuilds.push(performance.now() - t);
}
index.setFile(paths[0]!, edited);
index.rebuild();

const wanted = Number(queriesArg ?? 50);
const step = Math.max(1, Math.floor(paths.length / wanted));
const queries: number[] = [];
for (let i = 0; i < paths.length && queries.length < wanted; i += step) {
  const lines = readFileSync(join(folder, paths[i]!), "utf8").split("\n");
  const line = Math.floor(lines.length / 2);
  const t = performance.now();
  index.retrieve({
    path: paths[i]!,
    prefix: lines.slice(0, line).join("\n"),
    suffix: lines.slice(line).join("\n"),
    line,
  });
  queries.push(performance.now() - t);
}

console.log(
  JSON.stringify({
    folder,
    files: stats.files,
    megabytes: +(stats.bytes / 2 ** 20).toFixed(2),
    windows: stats.chunks,
    loadMs: load.ms,
    rebuildMsMedian: +median(rebuilds).toFixed(1),
    queries: queries.length,
    queryMsMedian: +median(queries).toFixed(2),
    queryMsP95: +p95(queries).toFixed(2),
  }),
);
