// Writes docs/contracts/*.schema.json from the contracts leaf's zod schemas (run: npm run schema).
import { writeFileSync } from "node:fs";
import { contractJsonSchemas, type ExportedContract, schemaFile } from "./json-schemas.ts";

for (const [name, schema] of Object.entries(contractJsonSchemas())) {
  writeFileSync(schemaFile(name as ExportedContract), `${JSON.stringify(schema, null, 2)}\n`);
}
