/** Secrets: files never to read, and token-shaped strings to overwrite in the files we keep. */

export { isSecretPath } from "../../../runtime/src/contracts/file-selection.ts";
export { REDACTED, SECRET_KINDS, type SecretKind } from "./kinds.ts";
export { SCRUB_RULES_VERSION, scrubRulesFingerprint } from "./rules-version.ts";
export { type ScrubResult, scrubSecrets } from "./scrub.ts";
export { MIN_ENTROPY_BITS, MIN_HEX_ENTROPY_BITS } from "./value-shape.ts";
