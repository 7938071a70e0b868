/**
 * The adapter registry: `<root>/<repoKey>/<adapter>/` bundles (as `repolora train` writes them), one
 * `<root>/<repoKey>/active.json` per repository naming its active adapter, and `<root>/.registry.lock`
 * serialising writers across processes. Readers take no lock: every write is a rename.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import {
  ACTIVE_FILE,
  ACTIVE_SCHEMA,
  ActiveRecord,
  LOCK_FILE,
} from "../../../../runtime/src/contracts/registry.ts";
import { dataHome } from "../../train/locations.ts";
import { RepoLoraError } from "../../util/errors.ts";
import {
  type BundleInfo,
  type BundleManifest,
  looksLikeBundle,
  nonFiniteMessage,
  readBundle,
} from "./bundle.ts";
import { withLock } from "./lock.ts";
import { computeStaleness, type Staleness } from "./staleness.ts";

export { ACTIVE_FILE, type ActiveRecord, LOCK_FILE };

export function defaultRegistryRoot(): string {
  return join(dataHome(), "adapters");
}

export interface ReportSummary {
  examples: number | null;
  adapterEditSimilarity: number | null;
  baseEditSimilarity: number | null;
  adapterExactMatch: number | null;
  baseExactMatch: number | null;
  adapterBetter: boolean | null;
}

export interface AdapterEntry {
  /** "<repoKey>/<folder>": stable, unique in the registry. */
  id: string;
  repoKey: string;
  name: string;
  dir: string;
  status: "ok" | "broken";
  problems: string[];
  /** The first NaN/Inf tensor when the weights hold one (never activated, not even with --force); else null. */
  nonFinite: string | null;
  active: boolean;
  baseModel: string | null;
  repo: { root: string | null; remote: string | null; head: string | null; subdir: string | null };
  trainedAt: string | null;
  rank: number | null;
  alpha: number | null;
  useRslora: boolean;
  targets: string[];
  bytes: number;
  report: ReportSummary | null;
  imported: boolean;
  staleness?: Staleness;
}

export interface RegistryWarning {
  repoKey: string;
  message: string;
}

export interface GcResult {
  removed: Array<{ id: string; reason: string }>;
  kept: string[];
  dryRun: boolean;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const rec = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export function summarizeReport(report: Record<string, unknown> | null): ReportSummary | null {
  if (!report) return null;
  const systems = rec(report.systems);
  const adapter = rec(systems.adapter);
  const base = rec(systems.base);
  const verdict = rec(report.verdict);
  return {
    examples: num(report.examples),
    adapterEditSimilarity: num(adapter.editSimilarity),
    baseEditSimilarity: num(base.editSimilarity),
    adapterExactMatch: num(adapter.exactMatch),
    baseExactMatch: num(base.exactMatch),
    adapterBetter: typeof verdict.adapterBetter === "boolean" ? verdict.adapterBetter : null,
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes `data` as JSON to `path` via a temp file in the same folder, fsync and rename. */
export function writeJsonAtomic(path: string, data: unknown): void {
  const tmp = join(
    resolve(path, ".."),
    `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`,
  );
  const fd = openSync(tmp, "wx");
  try {
    writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export class AdapterRegistry {
  readonly root: string;

  constructor(root: string = defaultRegistryRoot()) {
    this.root = resolve(root);
  }

  private lock<T>(fn: () => Promise<T>): Promise<T> {
    mkdirSync(this.root, { recursive: true });
    return withLock(join(this.root, LOCK_FILE), fn);
  }

  /** Repository keys (folders) in the registry. */
  repoKeys(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  }

  private adapterFolders(repoKey: string): string[] {
    try {
      return readdirSync(join(this.root, repoKey), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith("."))
        .map((e) => e.name);
    } catch {
      return [];
    }
  }

  /** The repository's active.json; `problem` is set when it exists but cannot be used. */
  readActive(repoKey: string): { record: ActiveRecord | null; problem: string | null } {
    const path = join(this.root, repoKey, ACTIVE_FILE);
    if (!existsSync(path)) return { record: null, problem: null };
    try {
      const parsed = ActiveRecord.safeParse(JSON.parse(readFileSync(path, "utf8")));
      if (!parsed.success) return { record: null, problem: `${path} names no valid adapter` };
      return { record: parsed.data, problem: null };
    } catch (error) {
      return { record: null, problem: `${path} is not valid JSON (${(error as Error).message})` };
    }
  }

  /** Every adapter folder, healthy or broken; `verify: false` skips the sha256 check (faster). */
  async list(
    options: { repoKey?: string; verify?: boolean; staleness?: boolean | { root: string } } = {},
  ): Promise<{
    adapters: AdapterEntry[];
    warnings: RegistryWarning[];
  }> {
    const adapters: AdapterEntry[] = [];
    const warnings: RegistryWarning[] = [];
    const keys = options.repoKey ? [options.repoKey] : this.repoKeys();
    for (const repoKey of keys) {
      const { record, problem } = this.readActive(repoKey);
      if (problem) warnings.push({ repoKey, message: problem });
      const folders = this.adapterFolders(repoKey);
      if (record && !folders.includes(record.adapter))
        warnings.push({ repoKey, message: `active adapter '${record.adapter}' no longer exists` });
      for (const name of folders) {
        const dir = join(this.root, repoKey, name);
        const entry = await this.entryFor(repoKey, name, dir, options.verify !== false);
        entry.active = record?.adapter === name;
        adapters.push(entry);
      }
    }
    adapters.sort((a, b) => a.repoKey.localeCompare(b.repoKey) || timeOf(b) - timeOf(a));
    if (options.staleness) {
      const override = typeof options.staleness === "object" ? options.staleness.root : null;
      const cache = new Map<string, Promise<Staleness>>();
      for (const entry of adapters) {
        const root = override ?? entry.repo.root;
        if (!root || !entry.repo.head) continue;
        const key = `${root}\0${entry.repo.head}\0${entry.repo.subdir ?? ""}`;
        if (!cache.has(key)) cache.set(key, computeStaleness(root, entry.repo.head, entry.repo.subdir));
        entry.staleness = await cache.get(key);
      }
    }
    return { adapters, warnings };
  }

  private async entryFor(repoKey: string, name: string, dir: string, verify: boolean): Promise<AdapterEntry> {
    let bundle: BundleInfo;
    if (looksLikeBundle(dir)) {
      bundle = await readBundle(dir, { verify });
    } else {
      bundle = {
        dir,
        manifest: null,
        report: null,
        problems: [
          "not an adapter bundle (no repolora.json, adapter_config.json or adapter_model.safetensors)",
        ],
        nonFinite: null,
        bytes: 0,
      };
    }
    const m: BundleManifest = bundle.manifest ?? {};
    const repo = rec(m.repo);
    const lora = rec(m.lora);
    return {
      id: `${repoKey}/${name}`,
      repoKey,
      name,
      dir,
      status: bundle.problems.length === 0 ? "ok" : "broken",
      problems: bundle.problems,
      nonFinite: bundle.nonFinite,
      active: false,
      baseModel: str(rec(m.baseModel).id),
      repo: {
        root: str(repo.root),
        remote: str(repo.remote),
        head: str(repo.head),
        subdir: str(repo.subdir),
      },
      trainedAt: str(repo.trainedAt) ?? stampOf(name) ?? mtimeIso(dir),
      rank: num(lora.r),
      alpha: num(lora.alpha),
      useRslora: lora.useRslora === true,
      targets: Array.isArray(lora.targets)
        ? lora.targets.filter((t): t is string => typeof t === "string")
        : [],
      bytes: bundle.bytes,
      report: summarizeReport(bundle.report),
      imported: rec(m.imported).from !== undefined,
    };
  }

  /**
   * Finds one adapter by id ("<repoKey>/<folder>"), folder name, a unique prefix of either, or its path.
   * Throws BAD_ARGUMENT naming the candidates when none or several match.
   */
  async get(
    ref: string,
    options: { verify?: boolean; staleness?: boolean | { root: string } } = {},
  ): Promise<AdapterEntry> {
    const { adapters } = await this.list({ verify: false });
    const abs = resolve(ref);
    const exact = adapters.filter((a) => a.id === ref || a.name === ref || a.dir === abs);
    const matches =
      exact.length > 0 ? exact : adapters.filter((a) => a.id.startsWith(ref) || a.name.startsWith(ref));
    if (matches.length === 0)
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `No adapter '${ref}' in ${this.root}.`,
        "Run `repolora adapters list`.",
      );
    if (matches.length > 1)
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `'${ref}' matches ${matches.length} adapters: ${matches.map((a) => a.id).join(", ")}.`,
        "Give the full id (<repo key>/<folder>).",
      );
    const found = matches[0] as AdapterEntry;
    const { adapters: one } = await this.list({ repoKey: found.repoKey, ...options });
    return one.find((a) => a.name === found.name) ?? found;
  }

  /**
   * Makes `ref` the active adapter of its repository. Broken or worse-than-base adapters need `force`; one with
   * NaN/Inf weights is refused even then (it could only serve empty completions).
   * `ifActive`: only if the repository's active adapter is still that folder (checked under the lock).
   */
  async activate(ref: string, options: { force?: boolean; ifActive?: string } = {}): Promise<AdapterEntry> {
    return (await this.activateReplacing(ref, options)).entry;
  }

  /**
   * Like activate, and also says which activation it replaced (read under the same lock), so that a run
   * can tell its user when a concurrent run's adapter was active (activation.ts).
   */
  async activateReplacing(
    ref: string,
    options: { force?: boolean; ifActive?: string } = {},
  ): Promise<{ entry: AdapterEntry; replaced: ActiveRecord | null }> {
    return this.lock(async () => {
      const entry = await this.get(ref);
      if (options.ifActive !== undefined) {
        const current = this.readActive(entry.repoKey).record?.adapter;
        if (current !== options.ifActive)
          throw new RepoLoraError(
            "BAD_ARGUMENT",
            `the repository's active adapter changed meanwhile (now ${current ?? "none"}, was ${options.ifActive}).`,
            `Activate it explicitly: \`repolora adapters activate ${entry.id}\`.`,
          );
      }
      if (entry.nonFinite)
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          `${nonFiniteMessage(entry.id, entry.nonFinite)}; it is never activated.`,
          "Retrain it (a lower learning rate) and remove this one (`repolora adapters rm`).",
        );
      if (entry.status === "broken" && !options.force)
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          `${entry.id} is broken: ${entry.problems.join("; ")}.`,
          "Fix or remove it (`repolora adapters rm`), or pass --force.",
        );
      if (entry.report?.adapterBetter === false && !options.force)
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          `${entry.id}'s report card says it is not better than the base model on held-out code.`,
          "Pass --force to activate it anyway.",
        );
      const record: ActiveRecord = {
        schema: ACTIVE_SCHEMA,
        adapter: entry.name,
        activatedAt: new Date().toISOString(),
        pid: process.pid,
      };
      const replaced = this.readActive(entry.repoKey).record;
      writeJsonAtomic(join(this.root, entry.repoKey, ACTIVE_FILE), record);
      return { entry: { ...entry, active: true }, replaced };
    });
  }

  /** Clears the repository's active adapter. */
  async deactivate(repoKey: string): Promise<void> {
    await this.lock(async () => {
      rmSync(join(this.root, repoKey, ACTIVE_FILE), { force: true });
    });
  }

  /** Deletes an adapter. The active one only with `force` (which also clears active.json). */
  async remove(ref: string, options: { force?: boolean } = {}): Promise<AdapterEntry> {
    return this.lock(async () => {
      const entry = await this.get(ref, { verify: false });
      const { record } = this.readActive(entry.repoKey);
      const active = record?.adapter === entry.name;
      if (active && !options.force)
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          `${entry.id} is the active adapter of its repository.`,
          "Activate another one first, or pass --force to remove it and leave the repository with none.",
        );
      await this.deleteFolder(entry.dir);
      if (active) rmSync(join(this.root, entry.repoKey, ACTIVE_FILE), { force: true });
      return entry;
    });
  }

  /** Renames first, so a crash mid-delete leaves a hidden folder (removed by gc) and never a half bundle. */
  private async deleteFolder(dir: string): Promise<void> {
    const doomed = join(
      resolve(dir, ".."),
      `.${basename(dir)}.del-${process.pid}-${randomBytes(3).toString("hex")}`,
    );
    renameSync(dir, doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  /**
   * Per repository: keeps the active adapter and the `keep` newest healthy ones; removes older healthy ones,
   * broken ones (never the active one), and leftovers of dead writers (.tmp-/.old-/.del- folders).
   */
  async gc(options: { keep?: number; dryRun?: boolean } = {}): Promise<GcResult> {
    const keep = options.keep ?? 3;
    const dryRun = options.dryRun ?? false;
    return this.lock(async () => {
      const result: GcResult = { removed: [], kept: [], dryRun };
      for (const repoKey of this.repoKeys()) {
        const { adapters } = await this.list({ repoKey, verify: true });
        let healthy = 0;
        for (const entry of adapters) {
          let reason: string | null = null;
          if (entry.active) reason = null;
          else if (entry.status === "broken") reason = `broken: ${entry.problems.join("; ")}`;
          else if (healthy >= keep) reason = `older than the ${keep} newest`;
          if (entry.status === "ok" && !entry.active) healthy += 1;
          if (reason === null) {
            result.kept.push(entry.id);
            continue;
          }
          result.removed.push({ id: entry.id, reason });
          if (!dryRun) await this.deleteFolder(entry.dir);
        }
        for (const leftover of this.leftovers(repoKey)) {
          result.removed.push({
            id: `${repoKey}/${leftover}`,
            reason: "left by a process that died mid-write",
          });
          if (!dryRun) await rm(join(this.root, repoKey, leftover), { recursive: true, force: true });
        }
      }
      return result;
    });
  }

  /** Hidden staging/backup/delete folders whose writer pid is dead (trainer: .x.tmp-<pid>-…, ours alike). */
  private leftovers(repoKey: string): string[] {
    let names: string[];
    try {
      names = readdirSync(join(this.root, repoKey)).filter((n) => n.startsWith("."));
    } catch {
      return [];
    }
    return names.filter((name) => {
      const match = /\.(?:tmp|old|del)-(\d+)-/.exec(name);
      if (!match) return false;
      const pid = Number(match[1]);
      return pid !== process.pid && !pidAlive(pid);
    });
  }

  /** Folder for a new adapter of `repoKey` (used by import). */
  adapterDir(repoKey: string, name: string): string {
    return join(this.root, repoKey, name);
  }

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock(fn);
  }
}

function stampOf(name: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : null;
}

function mtimeIso(dir: string): string | null {
  try {
    return statSync(dir).mtime.toISOString();
  } catch {
    return null;
  }
}

function timeOf(entry: AdapterEntry): number {
  return Date.parse(entry.trainedAt ?? "") || 0;
}
