import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  buildCacheRoot,
  cacheMaxBytes,
  cleanCaches,
  listCacheFolders,
  type RemovedCache,
} from "../../dataset/cache-dir.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora cache <info|clean> [options]

The dataset build caches (parsed files, scrubbed-clean blobs, per-commit diffs, finished records) of each
repository, in one folder per repository under ${buildCacheRoot()}
($REPOLORA_HOME/cache/build when REPOLORA_HOME is set, else $XDG_CACHE_HOME/repolora/build or
~/.cache/repolora/build). They only make re-runs faster: removing them never changes a dataset.

  info [--json]                    Where the caches are, each repository's folder, its size and last use.
  clean [--repo <dir>] [--dry-run] Delete every repository's caches (or only that repository's), and the
                                   folders of the older layout (~/.cache/repolora/parse/).

Caches are also kept in bounds without asking: after each build the least recently used repositories'
folders are evicted beyond $REPOLORA_CACHE_MAX_MB (default 1024), and \`repolora adapters gc\` deletes the
caches of repositories that no longer exist. Base models and model packages are not touched.

Options:
  --repo <dir>   clean: only this repository's caches
  --dry-run      clean: list what would be deleted, delete nothing
  --json         Machine-readable output`;

export const cacheCommand: Command = {
  name: "cache",
  summary: "Show or delete the dataset build caches",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      repo: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
    });
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new RepoLoraError("BAD_ARGUMENT", `'cache ${sub}' takes no arguments.`);
    const json = values.json ?? false;
    const out = (value: unknown, text: string) =>
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
    switch (sub) {
      case "info": {
        const root = buildCacheRoot();
        const folders = listCacheFolders(root);
        const total = folders.reduce((sum, f) => sum + f.bytes, 0);
        const lines = folders.map(
          (f) =>
            `  ${formatBytes(f.bytes).padStart(9)}  ${new Date(f.usedAt).toISOString()}  ${f.repoRoot ?? "(unknown repository)"}`,
        );
        out(
          { root, maxBytes: cacheMaxBytes(), totalBytes: total, folders },
          [`${root}: ${formatBytes(total)} of ${formatBytes(cacheMaxBytes())}`, ...lines].join("\n"),
        );
        return 0;
      }
      case "clean": {
        const repoRoot = values.repo ? repositoryRoot(values.repo) : undefined;
        const removed = await cleanCaches({
          ...(repoRoot ? { repoRoot } : {}),
          dryRun: values["dry-run"] ?? false,
        });
        out(
          { dryRun: values["dry-run"] ?? false, removed },
          describeRemoved(removed, values["dry-run"] ?? false),
        );
        return 0;
      }
      default:
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          sub ? `Unknown subcommand 'cache ${sub}'.` : "Give a subcommand: info or clean.",
          HELP.split("\n")[0],
        );
    }
  },
};

/**
 * The repository root a build keys its cache by (git's top level, as openRepo finds it); a folder that is
 * no longer a repository, or not there at all, is taken as written, so its leftovers can still be cleaned.
 */
function repositoryRoot(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) return absolute;
  try {
    return execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: absolute, encoding: "utf8" }).trim();
  } catch {
    return absolute;
  }
}

export function describeRemoved(removed: readonly RemovedCache[], dryRun: boolean): string {
  if (removed.length === 0) return "No caches to remove.";
  const verb = dryRun ? "Would remove" : "Removed";
  const total = removed.reduce((sum, r) => sum + r.bytes, 0);
  return [
    ...removed.map((r) => `${verb} ${r.dir} (${formatBytes(r.bytes)}, ${r.reason})`),
    `${dryRun ? "Would free" : "Freed"} ${formatBytes(total)}.`,
  ].join("\n");
}

/** 512 B, 3.4 KiB, 12.0 MiB, 1.5 GiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}
