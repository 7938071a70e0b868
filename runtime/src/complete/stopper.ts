/** Applies the stop rules to a token stream: decodes what was generated so far and asks findStop. */
import { type CompletionStopSpec, findStop, type StopPoint } from "./stop-rules.ts";

export class CompletionStopper {
  private stopPoint: StopPoint | null = null;
  private decoded = "";

  constructor(
    private readonly spec: CompletionStopSpec,
    private readonly decode: (ids: readonly number[]) => string,
  ) {}

  /** Called after each new token with every token so far; a reason means: stop now. */
  check(tokens: readonly number[]): StopPoint["reason"] | null {
    // Whole-sequence decoding: byte-level tokens that split a character only decode once it is complete.
    const healed = this.spec.healed ?? "";
    const text = this.decode(tokens);
    // The first token starts with the healed characters (the engine allows no other); they are not completion.
    this.decoded = text.startsWith(healed) ? text.slice(healed.length) : text;
    this.stopPoint = findStop(this.decoded, this.spec);
    return this.stopPoint?.reason ?? null;
  }

  /** The completion text up to the stop point (all of it when no rule fired). */
  get text(): string {
    return this.stopPoint ? this.decoded.slice(0, this.stopPoint.at) : this.decoded;
  }
}
