// Bundles the extension into dist/extension.cjs (CommonJS: what the extension host loads with require).
// `vscode` is provided by the host; everything else (the protocol, prompt and contracts modules) is bundled.
import { build } from "esbuild";

const production = process.argv.includes("--production");
await build({
  entryPoints: [new URL("./src/vscode/extension.ts", import.meta.url).pathname],
  outfile: new URL("./dist/extension.cjs", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["vscode"],
  sourcemap: production ? false : "inline",
  minify: production,
  logLevel: "warning",
});
