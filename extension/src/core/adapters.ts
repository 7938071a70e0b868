/**
 * Adapter bundles on disk (folders with `repolora.json` and `report.json`): reading their manifests, matching
 * them to a repository, scoring them from their report cards, describing them for the pickers (the registry
 * that lists them is registry.ts). Node's fs only; no editor.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { MANIFEST_FILE, REPORT_FILE } from "../../../runtime/src/contracts/bundle-manifest.ts";
import { sameRemote } from "../../../runtime/src/contracts/remote.ts";
import type { ReportCardView } from "../../../runtime/src/contracts/report-card.ts";

export interface AdapterRepo {
  root?: string;
  remote?: string | null;
  head?: string;
  trainedAt?: string;
}

/** The report card as the extension reads it (report.json, written by the trainer): every field optional. */
export type ReportCard = ReportCardView;

export interface AdapterInfo {
  dir: string;
  /** Key the runtime caches it under: changes when the bundle is retrained in place. */
  key: string;
  name: string;
  baseModel: string | null;
  repo: AdapterRepo;
  rank: number | null;
  report: ReportCard | null;
  /** Mean edit similarity of adapter and base on held-out code, when the report has them. */
  score: { adapter: number; base: number } | null;
  /** The report card's verdict; null when there is no report. */
  better: boolean | null;
  /** For an org-wide adapter (`repolora org-train`): the repositories it was trained on; null otherwise. */
  orgRepos: AdapterRepo[] | null;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

export function scoreOf(report: ReportCard | null): AdapterInfo["score"] {
  const adapter = report?.systems?.adapter?.editSimilarity;
  const base = report?.systems?.base?.editSimilarity;
  return typeof adapter === "number" && typeof base === "number" ? { adapter, base } : null;
}

/** Reads one bundle; null when the folder is not one. */
export function readAdapter(dir: string): AdapterInfo | null {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return null;
  const manifest = asRecord(readJson(manifestPath));
  const reportFile = readJson(join(dir, REPORT_FILE));
  const report = (reportFile ?? manifest.report ?? null) as ReportCard | null;
  const repo = asRecord(manifest.repo) as AdapterRepo;
  const base = asRecord(manifest.baseModel);
  const lora = asRecord(manifest.lora);
  const stamp = repo.trainedAt ?? String(statSync(manifestPath).mtimeMs);
  return {
    dir: resolve(dir),
    key: `${resolve(dir)}@${stamp}`,
    name: typeof manifest.name === "string" ? manifest.name : adapterName(dir, repo),
    baseModel: typeof base.id === "string" ? base.id : null,
    repo,
    rank: typeof lora.r === "number" ? lora.r : null,
    report,
    score: scoreOf(report),
    better: report?.verdict ? report.verdict.adapterBetter : null,
    orgRepos: orgReposOf(manifest.org),
  };
}

/** The repositories of an org adapter's manifest (`org.repos[]`: root, remote, head), or null. */
function orgReposOf(org: unknown): AdapterRepo[] | null {
  const repos = asRecord(org).repos;
  if (!Array.isArray(repos)) return null;
  return repos.map((r) => {
    const entry = asRecord(r);
    return {
      ...(typeof entry.root === "string" ? { root: entry.root } : {}),
      remote: typeof entry.remote === "string" ? entry.remote : null,
      ...(typeof entry.head === "string" ? { head: entry.head } : {}),
    };
  });
}

/** "myrepo@a1b2c3d" from the manifest's repo, else the folder's name. */
function adapterName(dir: string, repo: AdapterRepo): string {
  if (!repo.root) return basename(dir);
  return repo.head ? `${basename(repo.root)}@${repo.head.slice(0, 7)}` : basename(repo.root);
}

export function isSameRepo(a: AdapterRepo, repo: { root: string; remote?: string | null }): boolean {
  if (a.remote && repo.remote) return sameRemote(a.remote, repo.remote);
  return a.root !== undefined && resolve(a.root) === resolve(repo.root);
}

/** Where `repolora train` writes adapters by default (mirrors the CLI: $REPOLORA_HOME or XDG data home). */
export function defaultAdaptersDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const dataHome = env.REPOLORA_HOME ?? join(env.XDG_DATA_HOME ?? join(home, ".local", "share"), "repolora");
  return join(dataHome, "adapters");
}

/**
 * "2026-11-23 14:05 · a1b2c3d4 · ES 0.61 (base 0.55)" for pickers; with what the registry adds, "active · …"
 * first and "3 commits behind" / "up to date" last.
 */
export function describeAdapter(
  adapter: AdapterInfo & { active?: boolean; commitsBehind?: number | null },
): string {
  const parts: string[] = [];
  if (adapter.active) parts.push("active");
  if (adapter.repo.trainedAt) parts.push(adapter.repo.trainedAt.replace("T", " ").slice(0, 16));
  if (adapter.repo.head) parts.push(adapter.repo.head.slice(0, 8));
  if (adapter.score) {
    parts.push(`ES ${adapter.score.adapter.toFixed(2)} (base ${adapter.score.base.toFixed(2)})`);
  } else {
    parts.push("no report card");
  }
  if (adapter.better === false) parts.push("not better than base");
  if (typeof adapter.commitsBehind === "number")
    parts.push(
      adapter.commitsBehind === 0
        ? "up to date"
        : `${adapter.commitsBehind} commit${adapter.commitsBehind === 1 ? "" : "s"} behind`,
    );
  return parts.join(" · ");
}
