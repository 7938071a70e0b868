/**
 * JSON Schemas of the contracts that readers outside TypeScript check (the Python trainer), exported from the
 * zod schemas to docs/contracts/<name>.schema.json by `npm run schema`; a test keeps the files equal.
 */
import { z } from "zod";
import { DatasetManifest, DatasetRecord } from "./dataset.ts";

/** File name (without `.schema.json`) → the contract's schema. */
export const EXPORTED_CONTRACTS = {
  "dataset-record": DatasetRecord,
  "dataset-manifest": DatasetManifest,
} as const satisfies Record<string, z.ZodType>;

export type ExportedContract = keyof typeof EXPORTED_CONTRACTS;

export const CONTRACTS_DIR = "docs/contracts";

export function schemaFile(name: ExportedContract): string {
  return `${CONTRACTS_DIR}/${name}.schema.json`;
}

export function contractJsonSchemas(): Record<ExportedContract, unknown> {
  const entries = Object.entries(EXPORTED_CONTRACTS).map(([name, schema]) => [name, z.toJSONSchema(schema)]);
  return Object.fromEntries(entries) as Record<ExportedContract, unknown>;
}
