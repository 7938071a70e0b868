/**
 * Prepares a model package from a local Hugging Face folder (until `repolora model prepare` lands in the CLI):
 *
 *   npx tsx runtime/src/model/prepare-main.ts <hf folder> <out dir> [--id <hub id>] [--fim-template <id>] [--overwrite]
 *
 * Prints the package manifest as JSON on success; exit code 1 with the error's code and message otherwise.
 */
import { parseArgs } from "node:util";
import { RuntimeError } from "../errors.ts";
import { isTemplateId } from "../prompt/index.ts";
import { prepareModelPackage } from "./package.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    id: { type: "string" },
    "fim-template": { type: "string" },
    overwrite: { type: "boolean", default: false },
  },
});
const [source, outDir] = positionals;
if (!source || !outDir) {
  console.error(
    "usage: prepare-main.ts <hf folder> <out dir> [--id <hub id>] [--fim-template <id>] [--overwrite]",
  );
  process.exit(2);
}
const fimTemplate = values["fim-template"];
if (fimTemplate !== undefined && !isTemplateId(fimTemplate)) {
  console.error(`unknown --fim-template ${fimTemplate}`);
  process.exit(2);
}
try {
  const started = Date.now();
  const pkg = await prepareModelPackage({
    source,
    outDir,
    overwrite: values.overwrite,
    ...(values.id ? { id: values.id } : {}),
    ...(fimTemplate ? { fimTemplate } : {}),
  });
  console.log(
    JSON.stringify({ dir: pkg.dir, seconds: (Date.now() - started) / 1000, manifest: pkg.manifest }, null, 2),
  );
} catch (error) {
  const code = error instanceof RuntimeError ? error.code : "internal";
  console.error(`${code}: ${(error as Error).message}`);
  process.exit(1);
}
