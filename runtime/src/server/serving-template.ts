/**
 * Which prompt template serves a workspace: the one its adapters were trained with. Every adapter records its
 * template when loaded (none recorded = the model's native template); a stack must agree on one, and a
 * template is only usable when the model's tokenizer has each of its markers as a special token.
 */
import { AdapterError } from "../errors.ts";
import { type FimTemplate, getTemplate, type TemplateId } from "../prompt/index.ts";

export class ServingTemplates {
  /** Template of each loaded adapter key (native resolved). */
  private readonly byKey = new Map<string, TemplateId>();

  constructor(
    /** The model package's template (repolora-model.json fimTemplate): raw base and unrecorded adapters. */
    readonly native: TemplateId,
    /** Whether the model's tokenizer has `marker` as one special token. */
    private readonly hasMarker: (marker: string) => boolean,
  ) {}

  /**
   * The template an adapter at `dir` will serve with, checked against the tokenizer; throws
   * `adapter-template-unsupported` naming the missing markers. Call before loading it.
   */
  check(dir: string, recorded: TemplateId | null): TemplateId {
    const id = recorded ?? this.native;
    if (id === this.native) return id;
    const missing = getTemplate(id).markers.filter((marker) => !this.hasMarker(marker));
    if (missing.length > 0)
      throw new AdapterError(
        "adapter-template-unsupported",
        `${dir} was trained with prompt template ${id}, but this model's tokenizer has no special token ${missing.join(", ")} (its native template is ${this.native}); use the adapter with a model of its family`,
      );
    return id;
  }

  /** Records the template of a loaded (or reloaded) adapter key. */
  set(key: string, id: TemplateId): void {
    this.byKey.set(key, id);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  /**
   * The template for an adapter stack: the native one for none, else the one all of them were trained with;
   * `adapter-template-conflict` names two adapters that disagree.
   */
  forStack(keys: readonly string[]): FimTemplate {
    let first: { key: string; id: TemplateId } | null = null;
    for (const key of keys) {
      const id = this.byKey.get(key) ?? this.native;
      if (first === null) first = { key, id };
      else if (id !== first.id)
        throw new AdapterError(
          "adapter-template-conflict",
          `adapters ${first.key} (prompt template ${first.id}) and ${key} (prompt template ${id}) were trained with different prompt orders and cannot be stacked; stack adapters trained with the same template, or retrain one of them`,
        );
    }
    return getTemplate(first?.id ?? this.native);
  }
}
