// Writes docs/contracts/*.schema.json from generator/src/dataset/record.ts (run: npm run schema).
import { writeFileSync } from "node:fs";
import { datasetJsonSchemas, SCHEMA_FILES } from "./schema-export.ts";

const schemas = datasetJsonSchemas();
for (const key of ["record", "manifest"] as const) {
  writeFileSync(SCHEMA_FILES[key], `${JSON.stringify(schemas[key], null, 2)}\n`);
}
