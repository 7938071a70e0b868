/** Secrets: files never to read, and token-shaped strings to overwrite in the files we keep. */
export { MIN_ENTROPY_BITS, MIN_HEX_ENTROPY_BITS } from "./generic-assignment.ts";
export { REDACTED, SECRET_KINDS, type SecretKind } from "./kinds.ts";
export { type ScrubResult, scrubSecrets } from "./scrub.ts";
export { isSecretPath } from "./secret-paths.ts";
