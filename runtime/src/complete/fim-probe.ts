/**
 * The FIM probe: short hand-written fill-in-the-middle cases with one obvious middle each
 * (test/fixtures/fim-probe/cases.jsonl), asked of a completion function shaped like `RuntimeService.complete`
 * and scored by exact match. It tells at a glance whether a completion system does FIM at all: a model that
 * answers with chat text, a markdown fence or a rewrite of the line scores near 0.
 *
 * Scoring trims the answer the way the runtime trims what it serves (the stop rules at the end of the line or
 * block, then finishCompletion: no trailing whitespace, no repeat of the rest of the line), then compares it with
 * the expected middle, trailing whitespace removed. For the probe's one-line middles this is the trainer's
 * `metrics.first_statement` trimming (one line, trailing whitespace dropped) done with the serving code, so an
 * answer from RuntimeService is scored as served (re-applying the rules to it changes nothing).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { finishCompletion } from "../prompt/postprocess.ts";
import type { Methods } from "../protocol/index.ts";
import { findStop, stopSpecFor } from "./stop-rules.ts";

export type ProbeRequest = Methods["complete"]["params"];
/** Completes one request and returns the completion's text (e.g. `(r) => service.complete(id, r).then(x => x.text)`). */
export type ProbeCompleter = (request: ProbeRequest) => Promise<string>;

export const fimProbeCaseSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "ids are lowercase words joined by '-'"),
  language: z.string().min(1),
  /** Repo-relative path shown to the model. */
  path: z.string().min(1),
  prefix: z.string().min(1),
  suffix: z.string(),
  /** The exact middle; a multi-line one makes the request multi-line. */
  expected: z.string().min(1),
});
export type FimProbeCase = z.infer<typeof fimProbeCaseSchema>;

/** Workspace and repository name of every probe request: no adapter is bound, so the default system answers. */
export const PROBE_WORKSPACE = "fim-probe";
const PROBE_MAX_TOKENS = 48;

/** Reads and validates a JSONL case file; throws naming the file, the line and what is wrong. */
export function loadFimProbeCases(file: string): FimProbeCase[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const cases: FimProbeCase[] = [];
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    const where = `${file}:${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new Error(`${where}: not JSON (${(error as Error).message}); write one case object per line`);
    }
    const parsed = fimProbeCaseSchema.safeParse(json);
    if (!parsed.success)
      throw new Error(`${where}: not a probe case: ${z.prettifyError(parsed.error).replaceAll("\n", "; ")}`);
    if (seen.has(parsed.data.id))
      throw new Error(`${where}: duplicate id '${parsed.data.id}'; ids must be unique`);
    seen.add(parsed.data.id);
    cases.push(parsed.data);
  });
  if (cases.length === 0) throw new Error(`${file}: no probe cases`);
  return cases;
}

function isMultiline(probe: FimProbeCase): boolean {
  return probe.expected.includes("\n");
}

/** The completion request of one case, as the extension would send it (no retrieved context). */
export function probeRequest(probe: FimProbeCase): ProbeRequest {
  return {
    workspace: PROBE_WORKSPACE,
    documentUri: `file:///${PROBE_WORKSPACE}/${probe.path}`,
    path: probe.path,
    languageId: probe.language,
    repoName: PROBE_WORKSPACE,
    prefix: probe.prefix,
    suffix: probe.suffix,
    context: [],
    multiline: isMultiline(probe),
    maxTokens: PROBE_MAX_TOKENS,
  };
}

/** An answer trimmed as the runtime serves it (see the module comment). */
export function trimProbeAnswer(probe: FimProbeCase, text: string): string {
  const multiline = isMultiline(probe);
  const stop = findStop(text, stopSpecFor(probe.prefix, probe.suffix, multiline, []));
  const kept = stop === null ? text : text.slice(0, stop.at);
  return finishCompletion(kept, probe.suffix, multiline);
}

export interface ProbeResult {
  id: string;
  language: string;
  expected: string;
  /** The completer's text as returned. */
  raw: string;
  /** The text compared with `expected`. */
  answer: string;
  pass: boolean;
}

export interface ProbeScore {
  passed: number;
  total: number;
  passRate: number;
}

export interface ProbeReport extends ProbeScore {
  results: ProbeResult[];
  byLanguage: Record<string, ProbeScore>;
}

export function scoreProbeAnswer(probe: FimProbeCase, raw: string): ProbeResult {
  const answer = trimProbeAnswer(probe, raw).trimEnd();
  return {
    id: probe.id,
    language: probe.language,
    expected: probe.expected,
    raw,
    answer,
    pass: answer === probe.expected.trimEnd(),
  };
}

function tally(results: ProbeResult[]): ProbeScore {
  const passed = results.filter((r) => r.pass).length;
  return { passed, total: results.length, passRate: results.length === 0 ? 0 : passed / results.length };
}

/** Asks `complete` for every case, one at a time (the runtime serves one completion at a time anyway). */
export async function runFimProbe(cases: FimProbeCase[], complete: ProbeCompleter): Promise<ProbeReport> {
  const results: ProbeResult[] = [];
  for (const probe of cases) results.push(scoreProbeAnswer(probe, await complete(probeRequest(probe))));
  const languages = [...new Set(results.map((r) => r.language))].sort();
  const byLanguage = Object.fromEntries(
    languages.map((language) => [language, tally(results.filter((r) => r.language === language))]),
  );
  return { ...tally(results), results, byLanguage };
}
