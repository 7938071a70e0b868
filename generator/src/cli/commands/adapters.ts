import { resolve } from "node:path";
import { repoKey } from "../../../../runtime/src/contracts/registry.ts";
import { importPeftAdapter } from "../../adapters/registry/import.ts";
import { type AdapterEntry, AdapterRegistry, defaultRegistryRoot } from "../../adapters/registry/registry.ts";
import type { Staleness } from "../../adapters/registry/staleness.ts";
import { gcCaches } from "../../dataset/cache-dir.ts";
import { openRepo } from "../../mine/repo.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { describeRemoved, formatBytes } from "./cache.ts";

const HELP = `Usage: repolora adapters <list|show|activate|rm|gc|import> [options]

Adapters live in <adapters dir>/<repo key>/<UTC stamp>-<commit>/ (as \`repolora train\` writes them); each
repository's active adapter is named in <adapters dir>/<repo key>/active.json.

  list [--repo <dir>]            Every adapter, newest first per repository: health, active, base model,
                                 report card, staleness (commits and changed lines behind HEAD). Broken
                                 bundles (missing files, bad JSON, sha256 mismatch) are listed with the reason.
  show <id>                      One adapter in full.
  activate <id> [--force]        Make it its repository's active adapter. Broken adapters, and those whose
                                 report card says they are not better than the base model, need --force.
  rm <id> [--force]              Delete an adapter (the active one only with --force).
  gc [--keep N] [--dry-run]      Per repository keep the active adapter and the N newest healthy ones
                                 (default 3); delete the rest, broken bundles and leftovers of dead writers.
                                 Also deletes the dataset caches of repositories that no longer exist and
                                 trims all caches to $REPOLORA_CACHE_MAX_MB (see \`repolora cache --help\`).
  import <peft dir> --base <model package | id> [--repo <dir>] [--name <name>] [--activate]
                                 Register a PEFT LoRA adapter made elsewhere, after the runtime's loader
                                 validated it (a model package checks every tensor's shape too).

<id> is "<repo key>/<folder>", the folder name, a unique prefix of either, or the adapter's path.

Options:
  --adapters-dir <dir>   Registry root (default $REPOLORA_HOME/adapters: ${defaultRegistryRoot()})
  --repo <dir>           list/show: only that repository's adapters, staleness measured in that checkout
  --no-verify            list: skip the sha256 check of every file (faster)
  --json                 Machine-readable output (the extension reads this)`;

export const adaptersCommand: Command = {
  name: "adapters",
  summary: "List, show, activate, remove, garbage-collect and import adapters",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      "adapters-dir": { type: "string" },
      repo: { type: "string" },
      json: { type: "boolean" },
      force: { type: "boolean" },
      keep: { type: "string" },
      "dry-run": { type: "boolean" },
      "no-verify": { type: "boolean" },
      base: { type: "string" },
      name: { type: "string" },
      activate: { type: "boolean" },
    });
    const [sub, ...rest] = positionals;
    const registry = new AdapterRegistry(values["adapters-dir"] ?? defaultRegistryRoot());
    const json = values.json ?? false;
    const out = (value: unknown, text: string) =>
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
    const one = (what: string) => {
      if (rest.length !== 1) throw new RepoLoraError("BAD_ARGUMENT", `Give exactly one ${what}.`);
      return rest[0] as string;
    };
    const repo = values.repo ? await repoFilter(values.repo) : null;

    switch (sub) {
      case "list": {
        const { adapters, warnings } = await registry.list({
          verify: !values["no-verify"],
          staleness: repo ? { root: repo.root } : true,
          ...(repo ? { repoKey: repo.key } : {}),
        });
        out({ root: registry.root, adapters, warnings }, formatList(registry.root, adapters, warnings));
        return 0;
      }
      case "show": {
        const entry = await registry.get(one("adapter id"), { staleness: repo ? { root: repo.root } : true });
        out(entry, formatShow(entry));
        return 0;
      }
      case "activate": {
        const entry = await registry.activate(one("adapter id"), { force: values.force ?? false });
        out(entry, `Active adapter of ${entry.repoKey}: ${entry.name}`);
        return 0;
      }
      case "rm": {
        const entry = await registry.remove(one("adapter id"), { force: values.force ?? false });
        out({ removed: entry.id }, `Removed ${entry.id}`);
        return 0;
      }
      case "gc": {
        if (rest.length > 0) throw new RepoLoraError("BAD_ARGUMENT", "gc takes no arguments.");
        const result = await registry.gc({
          keep: numberOption("keep", values.keep, 3, 0),
          dryRun: values["dry-run"] ?? false,
        });
        const caches = await gcCaches({ dryRun: result.dryRun });
        const verb = result.dryRun ? "Would remove" : "Removed";
        const lines = result.removed.map((r) => `${verb} ${r.id} (${r.reason})`);
        if (caches.length > 0) lines.push(describeRemoved(caches, result.dryRun));
        out({ ...result, caches }, lines.length ? lines.join("\n") : "Nothing to remove.");
        return 0;
      }
      case "import": {
        if (!values.base)
          throw new RepoLoraError(
            "BAD_ARGUMENT",
            "import needs --base <model package folder or base model id>.",
          );
        const info = values.repo ? (await openRepo(values.repo)).info : null;
        const entry = await importPeftAdapter(registry, {
          source: one("PEFT adapter folder"),
          base: values.base,
          repo: info
            ? { name: info.name, root: info.root, remote: info.remote, head: info.head, subdir: info.subdir }
            : null,
          ...(values.name ? { name: values.name } : {}),
          activate: values.activate ?? false,
        });
        out(entry, `Imported as ${entry.id}${entry.active ? " (active)" : ""}`);
        return 0;
      }
      default:
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          sub
            ? `Unknown subcommand 'adapters ${sub}'.`
            : "Give a subcommand: list, show, activate, rm, gc or import.",
          HELP.split("\n")[0],
        );
    }
  },
};

async function repoFilter(path: string): Promise<{ key: string; root: string }> {
  const { info } = await openRepo(resolve(path));
  return { key: repoKey(info.name, info.remote ?? info.root), root: info.root };
}

export function describeStaleness(s: Staleness | undefined): string {
  if (!s) return "staleness unknown (no repo recorded)";
  if (s.error) return `staleness unknown (${s.error})`;
  if (s.commitsBehind === 0) return "up to date";
  return `${s.commitsBehind} commits, ${s.changedLines} lines behind`;
}

function reportLine(entry: AdapterEntry): string {
  const r = entry.report;
  if (!r || r.adapterEditSimilarity === null) return "no report card";
  const base = r.baseEditSimilarity === null ? "" : ` (base ${r.baseEditSimilarity.toFixed(3)})`;
  const verdict = r.adapterBetter === false ? ", not better than base" : "";
  return `ES ${r.adapterEditSimilarity.toFixed(3)}${base}${verdict}`;
}

function formatList(
  root: string,
  adapters: AdapterEntry[],
  warnings: Array<{ repoKey: string; message: string }>,
): string {
  if (adapters.length === 0 && warnings.length === 0) return `No adapters in ${root}.`;
  const lines: string[] = [];
  let lastKey = "";
  for (const a of adapters) {
    if (a.repoKey !== lastKey) {
      lines.push(
        `${a.repoKey}${a.repo.remote ? `  (${a.repo.remote})` : a.repo.root ? `  (${a.repo.root})` : ""}`,
      );
      lastKey = a.repoKey;
    }
    const mark = a.active ? "*" : " ";
    if (a.status === "broken") {
      lines.push(`${mark} ${a.name}  BROKEN: ${a.problems.join("; ")}`);
      continue;
    }
    lines.push(
      `${mark} ${a.name}  ${a.baseModel ?? "?"}  r${a.rank ?? "?"}  ${formatBytes(a.bytes)}  ${reportLine(a)}  ${describeStaleness(a.staleness)}`,
    );
  }
  for (const w of warnings) lines.push(`warning (${w.repoKey}): ${w.message}`);
  return lines.join("\n");
}

function formatShow(a: AdapterEntry): string {
  return [
    `id:          ${a.id}`,
    `folder:      ${a.dir}`,
    `status:      ${a.status === "ok" ? "ok" : `BROKEN: ${a.problems.join("; ")}`}`,
    `active:      ${a.active ? "yes" : "no"}`,
    `base model:  ${a.baseModel ?? "?"}`,
    `repository:  ${a.repo.remote ?? a.repo.root ?? "?"}${a.repo.subdir ? ` (${a.repo.subdir})` : ""}`,
    `commit:      ${a.repo.head ?? "?"}`,
    `trained at:  ${a.trainedAt ?? "?"}`,
    `lora:        r ${a.rank ?? "?"}, alpha ${a.alpha ?? "?"}${a.useRslora ? ", rsLoRA" : ""}, ${a.targets.join(", ") || "?"}`,
    `size:        ${formatBytes(a.bytes)}`,
    `report:      ${reportLine(a)}`,
    `staleness:   ${describeStaleness(a.staleness)}`,
  ].join("\n");
}
