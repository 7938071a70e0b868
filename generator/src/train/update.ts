/**
 * `repolora train --update`: continue the repository's active adapter on what changed since it was trained.
 *
 * - the previous adapter is the repository's active one (registry), on the same base model;
 * - "changed" = training examples (records of train.jsonl) whose file differs between the commit the previous
 *   adapter's training code was taken from (its dataset's cutoff, else its repo head) and the new dataset's;
 * - a seeded replay sample of unchanged examples is mixed in so the adapter does not forget the rest;
 * - the held-out set stays the full eval.jsonl, so the new and the previous adapter are scored on the same code;
 * - the new adapter becomes active only if its mean edit similarity is not below the previous one's by more than
 *   a tolerance (and it beats the base model, the usual rule).
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { UpdateDecision } from "../../../runtime/src/contracts/train-events.ts";
import { MANIFEST_FILE, REPORT_FILE, readBundle, sha256File } from "../adapters/registry/bundle.ts";
import { type AdapterEntry, type AdapterRegistry, writeJsonAtomic } from "../adapters/registry/registry.ts";
import { seededRandom } from "../dataset/random.ts";
import { gitText } from "../mine/spawn.ts";
import { stageDir } from "../util/atomic.ts";
import { RepoLoraError } from "../util/errors.ts";
import { localModelDir } from "./base-model.ts";

export const DEFAULT_REPLAY = 0.3;
export const DEFAULT_TOLERANCE = 0.01;

export const UPDATE_RULE =
  "the updated adapter becomes active when its mean edit similarity on the held-out examples is at least the " +
  "previous adapter's minus the tolerance (updated >= previous - tolerance) and it beats the base model (the " +
  "usual activation rule); otherwise it is kept in the registry and the previous adapter stays active";

type Json = Record<string, unknown>;
const rec = (v: unknown): Json =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export interface PreviousAdapter {
  entry: AdapterEntry;
  manifest: Json;
  /** Commit whose code the previous adapter trained on: its dataset's cutoff, else the repo head it recorded. */
  trainedCommit: string;
  /** The trainer config it was trained with (repolora.json training.config), when recorded. */
  trainConfig: Json | null;
  /** Examples it trained on (repolora.json data.trainExamples), when recorded. */
  trainExamples: number | null;
}

/** The repository's active adapter, healthy, with what an update needs from its manifest. */
export async function findPreviousAdapter(
  registry: AdapterRegistry,
  repoKey: string,
  repoLabel: string,
): Promise<PreviousAdapter> {
  const hint = "Train once without --update first (`repolora train <repo>`), or activate an adapter.";
  const { record, problem } = registry.readActive(repoKey);
  if (!record)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `${repoLabel} has no active adapter in ${registry.root}${problem ? ` (${problem})` : ""}: nothing to update.`,
      hint,
    );
  const { adapters } = await registry.list({ repoKey, verify: true });
  const entry = adapters.find((a) => a.name === record.adapter);
  if (!entry)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `The active adapter '${record.adapter}' of ${repoLabel} no longer exists: nothing to update.`,
      hint,
    );
  if (entry.status === "broken")
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `The active adapter ${entry.id} is broken: ${entry.problems.join("; ")}.`,
      "Fix or remove it, or train without --update.",
    );
  const bundle = await readBundle(entry.dir, { verify: false });
  const manifest = rec(bundle.manifest);
  const data = rec(manifest.data);
  const cutoff = rec(rec(data.dataset).cutoff);
  const trainedCommit = str(cutoff.commit) ?? entry.repo.head;
  if (!trainedCommit || !/^[0-9a-f]{40}$/.test(trainedCommit))
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `The active adapter ${entry.id} does not record the commit it was trained at, so what changed since is unknown.`,
      "Train without --update.",
    );
  const config = rec(rec(manifest.training).config);
  return {
    entry,
    manifest,
    trainedCommit,
    trainConfig: Object.keys(config).length > 0 ? config : null,
    trainExamples: num(data.trainExamples) ?? num(data.train),
  };
}

/** The base model the update trains on: the previous adapter's; a different --base is refused. */
export function updateBaseModel(previous: PreviousAdapter, requested: string | undefined): string {
  const recorded = previous.entry.baseModel;
  if (!recorded)
    throw new RepoLoraError(
      "BAD_ARGUMENT",
      `The active adapter ${previous.entry.id} does not record its base model.`,
      "Train without --update.",
    );
  if (requested === undefined || requested === recorded) return recorded;
  const a = localModelDir(requested);
  if (a !== null && a === localModelDir(recorded)) return requested;
  throw new RepoLoraError(
    "BAD_ARGUMENT",
    `The active adapter ${previous.entry.id} was trained on base model '${recorded}', not '${requested}'; an update continues its weights, so it needs the same base.`,
    `Leave --base out (or pass --base ${recorded}), or train without --update to start a new adapter on '${requested}'.`,
  );
}

/** Repo-relative paths that differ between two commits (added or modified; deleted files have no examples). */
export async function changedPaths(
  root: string,
  from: string,
  to: string,
  subdir: string,
): Promise<Set<string>> {
  try {
    await gitText(root, ["cat-file", "-e", `${from}^{commit}`]);
  } catch {
    throw new RepoLoraError(
      "GIT_FAILED",
      `Commit ${from.slice(0, 12)}, which the active adapter was trained at, is not in ${root} (shallow clone or rewritten history), so what changed since is unknown.`,
      "Fetch the full history, or train without --update.",
    );
  }
  const args = ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=AMT", from, to];
  if (subdir) args.push("--", subdir);
  return new Set((await gitText(root, args)).split("\0").filter(Boolean));
}

/** True when `ancestor` is an ancestor of (or equal to) `commit`. */
export async function isAncestor(root: string, ancestor: string, commit: string): Promise<boolean> {
  try {
    await gitText(root, ["merge-base", "--is-ancestor", ancestor, commit]);
    return true;
  } catch {
    return false;
  }
}

export interface Selection<T> {
  changed: T[];
  replay: T[];
  /** Changed examples first, then replay, each in dataset order. */
  train: T[];
}

/**
 * Every example of a changed file, plus a seeded sample of the others so that replay makes up `replay` of the
 * result (0.3 → 3 replay examples per 7 changed; fewer when there are not enough unchanged ones).
 */
export function selectUpdateExamples<T extends { path: string }>(
  records: readonly T[],
  changed: ReadonlySet<string>,
  replay: number,
  seed: number,
  key: string,
): Selection<T> {
  if (!(replay >= 0 && replay < 1)) throw new RangeError(`replay share must be in [0, 1), got ${replay}`);
  const changedRecords = records.filter((r) => changed.has(r.path));
  const others = records.map((r, i) => ({ r, i })).filter(({ r }) => !changed.has(r.path));
  const want = Math.min(others.length, Math.round((changedRecords.length * replay) / (1 - replay)));
  const random = seededRandom(seed, `replay\0${key}`);
  // Partial Fisher-Yates: the first `want` of a seeded shuffle, then back in dataset order.
  const pool = [...others];
  for (let i = 0; i < want; i += 1) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const replayRecords = pool
    .slice(0, want)
    .sort((a, b) => a.i - b.i)
    .map(({ r }) => r);
  return { changed: changedRecords, replay: replayRecords, train: [...changedRecords, ...replayRecords] };
}

export interface UpdateDataset {
  dir: string;
  changedFiles: number;
  changedExamples: number;
  replayExamples: number;
  trainExamples: number;
  /** train.jsonl of the full dataset. */
  fullTrainExamples: number;
}

/**
 * Writes `out`: train.jsonl = the selection (lines copied verbatim), eval.jsonl = the full held-out set,
 * dataset.json with the train counts adjusted, and update.json saying how the selection was made.
 */
export async function writeUpdateDataset(options: {
  source: string;
  out: string;
  changed: ReadonlySet<string>;
  replay: number;
  seed: number;
  previous: PreviousAdapter;
  to: string;
}): Promise<UpdateDataset> {
  const lines = readFileSync(join(options.source, "train.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0);
  const records = lines.map((line) => {
    const parsed = JSON.parse(line) as { path?: unknown; prompt?: { tokens?: unknown } };
    return { path: String(parsed.path ?? ""), tokens: num(parsed.prompt?.tokens) ?? 0, line };
  });
  const selection = selectUpdateExamples(
    records,
    options.changed,
    options.replay,
    options.seed,
    options.previous.entry.id,
  );
  const manifest = JSON.parse(readFileSync(join(options.source, "dataset.json"), "utf8")) as Json;
  const counts = rec(manifest.counts);
  manifest.counts = {
    ...counts,
    train: selection.train.length,
    trainTokens: selection.train.reduce((s, r) => s + r.tokens, 0),
  };
  const changedWithExamples = new Set(selection.changed.map((r) => r.path));
  const info = {
    schema: 1,
    source: options.source,
    previous: { id: options.previous.entry.id, dir: options.previous.entry.dir },
    since: options.previous.trainedCommit,
    to: options.to,
    changedFiles: [...options.changed].sort(),
    changedFilesWithExamples: changedWithExamples.size,
    changedExamples: selection.changed.length,
    replayExamples: selection.replay.length,
    replayShare: options.replay,
    seed: options.seed,
    fullTrainExamples: records.length,
  };
  const staged = await stageDir(options.out);
  try {
    writeFileSync(join(staged.path, "train.jsonl"), selection.train.map((r) => `${r.line}\n`).join(""));
    copyFileSync(join(options.source, "eval.jsonl"), join(staged.path, "eval.jsonl"));
    writeFileSync(join(staged.path, "dataset.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(staged.path, "update.json"), `${JSON.stringify(info, null, 2)}\n`);
    await staged.commit();
  } finally {
    await staged.discard();
  }
  return {
    dir: options.out,
    changedFiles: changedWithExamples.size,
    changedExamples: selection.changed.length,
    replayExamples: selection.replay.length,
    trainExamples: selection.train.length,
    fullTrainExamples: records.length,
  };
}

const snake = (name: string) => name.replace(/(?<!^)(?=[A-Z])/g, "_").toLowerCase();

/** Recipe fields that describe the previous run's length or identity rather than how to train. */
const NOT_INHERITED = ["base_model", "revision", "init_adapter", "max_steps", "budget_seconds", "max_tokens"];

/**
 * The update's trainer config: the previous adapter's recipe (so the per-step recipe is the same), minus its
 * length and identity, with the user's --config on top. Flags are applied on top of this by the trainer.
 */
export function updateTrainerConfig(previous: PreviousAdapter, userConfig: Json | null): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(previous.trainConfig ?? {})) {
    if (!NOT_INHERITED.includes(key)) out[key] = value;
  }
  for (const [key, value] of Object.entries(userConfig ?? {})) out[snake(key)] = value;
  return out;
}

/**
 * Steps and budget scaled to the subset: the previous run's max_steps / budget_seconds × (update examples /
 * previous examples), so the update makes about as many passes over its data as the previous run did. Null
 * where the previous run had none (then the trainer's default applies: one epoch over the subset).
 */
export function scaledLength(
  previous: PreviousAdapter,
  trainExamples: number,
): { steps: number | null; budgetSeconds: number | null } {
  const config = previous.trainConfig ?? {};
  const ratio =
    previous.trainExamples && previous.trainExamples > 0 ? trainExamples / previous.trainExamples : 1;
  const steps = num(config.max_steps);
  const budget = num(config.budget_seconds);
  return {
    steps: steps && steps > 0 ? Math.max(1, Math.ceil(steps * Math.min(1, ratio))) : null,
    budgetSeconds: budget && budget > 0 ? Math.max(1, Math.round(budget * Math.min(1, ratio))) : null,
  };
}

export type { UpdateDecision };

/** Reads `eval --control <previous>`'s report (systems: base, adapter = updated, control = previous). */
export function compareWithPrevious(report: Json, tolerance: number): UpdateDecision {
  const systems = rec(report.systems);
  const metric = (system: string, name: string) => num(rec(systems[system])[name]);
  const updated = metric("adapter", "editSimilarity");
  const previous = metric("control", "editSimilarity");
  const keepsUp = updated !== null && previous !== null && updated >= previous - tolerance - 1e-12;
  const f = (v: number | null) => (v === null ? "?" : v.toFixed(3));
  return {
    rule: UPDATE_RULE,
    tolerance,
    examples: num(report.examples),
    updatedEditSimilarity: updated,
    previousEditSimilarity: previous,
    baseEditSimilarity: metric("base", "editSimilarity"),
    updatedExactMatch: metric("adapter", "exactMatch"),
    previousExactMatch: metric("control", "exactMatch"),
    baseExactMatch: metric("base", "exactMatch"),
    delta: updated !== null && previous !== null ? updated - previous : null,
    keepsUp,
    activated: false,
    reason: keepsUp
      ? `updated edit similarity ${f(updated)} >= previous ${f(previous)} - ${tolerance}`
      : `updated edit similarity ${f(updated)} is below previous ${f(previous)} - ${tolerance}`,
  };
}

/** Adds `update` to the new bundle's report.json and repolora.json (with the report's new sha256). */
export async function recordUpdate(bundleDir: string, update: Json): Promise<void> {
  const reportPath = join(bundleDir, REPORT_FILE);
  const manifestPath = join(bundleDir, MANIFEST_FILE);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Json;
  if (existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as Json;
    report.update = update;
    writeJsonAtomic(reportPath, report);
    manifest.report = report;
    manifest.files = { ...rec(manifest.files), [REPORT_FILE]: await sha256File(reportPath) };
  }
  manifest.update = update;
  writeJsonAtomic(manifestPath, manifest);
}
