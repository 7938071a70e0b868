/**
 * The default completion system when training: the shipped default adapter is the baseline every report card
 * compares with, and the starting point of a repository adapter, whenever the base model is the embedded default
 * it was trained on. Another base model has no default adapter: its baseline is the raw base.
 */
import { resolve } from "node:path";
import { readBundleTemplate } from "../../../runtime/src/adapter/bundle-template.ts";
import { findShippedDefaultAdapter } from "../../../runtime/src/model/default-adapter.ts";
import type { TemplateId } from "../../../runtime/src/prompt/index.ts";
import { templateForBaseModel } from "./base-model.ts";
import { embeddedBaseDir } from "./embedded-default.ts";

/** The default adapter that goes with `base`, or null when there is none for it. */
export function defaultAdapterFor(base: string): string | null {
  if (resolve(base) !== resolve(embeddedBaseDir())) return null;
  return findShippedDefaultAdapter();
}

/**
 * The prompt template a new adapter on `base` is trained with, one rule for `train`, `org-train` and `bench`:
 * an update keeps the template of the adapter it continues; otherwise the default adapter's, when the base has
 * one (a repository adapter starts from its weights, is compared with it on the same prompts and stacks with
 * org adapters trained the same way); otherwise the base model's native template.
 */
export function trainingTemplate(
  base: string,
  defaultAdapter: string | null,
  previousAdapterDir: string | null = null,
): TemplateId {
  // A bundle that records no template was trained with the base model's native one.
  const from = previousAdapterDir ?? defaultAdapter;
  return (from ? readBundleTemplate(from) : null) ?? templateForBaseModel(base);
}

/**
 * The weights a new adapter on `base` starts from (`repolora train`'s rule, which `repolora bench` follows): the
 * default adapter, unless this is an update (which continues its own), a fresh start was asked for
 * (--from-scratch), or an explicit LoRA shape (--rank/--layers) that the default adapter's cannot meet.
 */
export function startingAdapter(
  defaultAdapter: string | null,
  asked: { isUpdate: boolean; fromScratch: boolean; shapeGiven: boolean; otherTemplate?: boolean },
): string | null {
  // otherTemplate: a dataset in another prompt order than the default adapter's (--dataset built so) cannot
  // continue weights that learned the other order.
  if (!defaultAdapter || asked.isUpdate || asked.fromScratch || asked.shapeGiven || asked.otherTemplate)
    return null;
  return defaultAdapter;
}

export interface ActivationInput {
  /** The report card's verdict (report.json); null when the adapter was not scored. */
  verdict: { adapterBetter?: unknown; reason?: unknown; baseline?: unknown } | null;
  noEval: boolean;
  force: boolean;
}

/**
 * Whether a freshly trained adapter becomes the repository's active one. Only a report card whose verdict says
 * it beats the baseline (the default system; see the trainer's VERDICT_RULE) activates it; an unscored adapter
 * never does, unless --force, which says so.
 */
export function activationDecision(input: ActivationInput): { activate: boolean; reason: string } {
  if (input.force) return { activate: true, reason: "--force: made active whatever its report card says" };
  if (input.noEval || input.verdict === null)
    return { activate: false, reason: "not scored (--no-eval); pass --force to activate it anyway" };
  const baseline = input.verdict.baseline === "default" ? "the default system" : "the base model";
  if (input.verdict.adapterBetter === true) return { activate: true, reason: `better than ${baseline}` };
  const why = typeof input.verdict.reason === "string" ? input.verdict.reason : "its report card says so";
  return { activate: false, reason: `not better than ${baseline}: ${why}` };
}
