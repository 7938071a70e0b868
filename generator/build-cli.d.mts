/** Types of build-cli.mjs for the tests that build the compiled CLI. */
export function buildCli(outdir?: string): Promise<{ cli: string; worker: string }>;
