/**
 * JSON Schemas of the contracts the Python trainer reads or writes (it validates dataset records against
 * dataset-record; the others document what it writes), exported from the zod schemas to
 * docs/contracts/<name>.schema.json by `npm run schema`; a test keeps the files equal.
 */
import { z } from "zod";
import { BundleManifest } from "./bundle-manifest.ts";
import { DatasetManifest, DatasetRecord } from "./dataset.ts";
import { ReportCard } from "./report-card.ts";
import { TrainerEvent } from "./train-events.ts";

/** File name (without `.schema.json`) → the contract's schema. */
export const EXPORTED_CONTRACTS = {
  "dataset-record": DatasetRecord,
  "dataset-manifest": DatasetManifest,
  "bundle-manifest": BundleManifest,
  "report-card": ReportCard,
  "trainer-event": TrainerEvent,
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
