import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { datasetJsonSchemas, SCHEMA_FILES } from "./schema-export.ts";

const root = join(import.meta.dirname, "../../..");

describe("dataset JSON schemas in docs/contracts", () => {
  it("equal what record.ts defines (regenerate with `npm run schema`)", () => {
    const schemas = datasetJsonSchemas();
    for (const key of ["record", "manifest"] as const) {
      const onDisk = JSON.parse(readFileSync(join(root, SCHEMA_FILES[key]), "utf8"));
      expect(onDisk).toEqual(schemas[key]);
    }
  });
});
