import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONTRACTS_DIR, contractJsonSchemas, type ExportedContract, schemaFile } from "./json-schemas.ts";

const root = join(import.meta.dirname, "../../..");

describe("contract JSON schemas in docs/contracts", () => {
  it("equal what the zod contracts define (regenerate with `npm run schema`)", () => {
    for (const [name, schema] of Object.entries(contractJsonSchemas())) {
      const onDisk = JSON.parse(readFileSync(join(root, schemaFile(name as ExportedContract)), "utf8"));
      expect(onDisk, name).toEqual(schema);
    }
  });

  it("has no stale file for a contract that is no longer exported", () => {
    const exported = Object.keys(contractJsonSchemas()).map((name) => `${name}.schema.json`);
    const onDisk = readdirSync(join(root, CONTRACTS_DIR)).filter((f) => f.endsWith(".schema.json"));
    expect(onDisk.sort()).toEqual(exported.sort());
  });
});
