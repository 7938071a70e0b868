/**
 * The runtime server's protocol. Its one definition (zod schemas, with the TypeScript types inferred from them)
 * lives in the contracts leaf; this module keeps the import path the server, the CLI and the extension use.
 */
export * from "../contracts/protocol.ts";
