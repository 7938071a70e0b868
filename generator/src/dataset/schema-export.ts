/** JSON Schema of the dataset contract, generated from record.ts for readers outside TypeScript (the trainer). */
import { z } from "zod";
import { DatasetManifest, DatasetRecord } from "./record.ts";

export function datasetJsonSchemas(): { record: unknown; manifest: unknown } {
  return { record: z.toJSONSchema(DatasetRecord), manifest: z.toJSONSchema(DatasetManifest) };
}

export const SCHEMA_FILES = {
  record: "docs/contracts/dataset-record.schema.json",
  manifest: "docs/contracts/dataset-manifest.schema.json",
} as const;
