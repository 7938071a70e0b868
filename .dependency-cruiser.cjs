/** Layer boundaries (see docs/ARCHITECTURE.md). Who may import whom is enforced here, in CI. */
module.exports = {
  forbidden: [
    {
      name: "prompt-is-a-leaf",
      comment:
        "runtime/src/prompt is shared by generator, runtime and extension: it imports nothing else of the project.",
      severity: "error",
      from: { path: "^runtime/src/prompt/" },
      to: { path: "^(generator|runtime|extension)/", pathNot: "^runtime/src/prompt/" },
    },
    {
      name: "contracts-is-a-leaf",
      comment:
        "runtime/src/contracts (zod schemas + small pure helpers) is imported by every package: it imports nothing else of the project.",
      severity: "error",
      from: { path: "^runtime/src/contracts/" },
      to: { path: "^(generator|runtime|extension|test|bench)/", pathNot: "^runtime/src/contracts/" },
    },
    {
      name: "runtime-not-generator",
      comment: "The runtime serves completions; it must not depend on the dataset generator or the editor.",
      severity: "error",
      from: { path: "^runtime/" },
      to: { path: "^(generator|extension)/" },
    },
    {
      name: "generator-not-extension",
      comment: "The generator runs from the CLI and as a child process; it never imports editor code.",
      severity: "error",
      from: { path: "^generator/" },
      to: { path: "^extension/" },
    },
    {
      name: "extension-through-protocol",
      comment:
        "The extension talks to runtime and generator only through the protocol, the shared prompt leaf and the contracts leaf.",
      severity: "error",
      from: { path: "^extension/" },
      to: { path: "^(generator|runtime)/", pathNot: "^runtime/src/(prompt|protocol|contracts)/" },
    },
    {
      name: "cli-through-runtime-entry-modules",
      comment:
        "The CLI (generator/src/cli) uses the runtime through its entry modules only: the contracts, prompt and protocol leaves, the server (serve, complete), the model package (model prepare, eval) and the cursor marker; the engine, adapters, ONNX and safetensors stay behind them. Derived from the CLI's imports on 2026-12-05 (docs/ARCHITECTURE.md).",
      severity: "error",
      from: { path: "^generator/src/cli/" },
      to: {
        path: "^runtime/",
        pathNot:
          "^runtime/src/((contracts|prompt|protocol)/|server/(server|service|jsonrpc|log)[.]ts$|model/(package|manifest|hub-cache|default-adapter)[.]ts$|complete/cursor[.]ts$|errors[.]ts$|util/package-root[.]ts$)",
      },
    },
    {
      name: "bench-only-from-the-bench-command",
      comment:
        "bench/ measures the packages from outside; only `repolora bench` (generator/src/cli/commands/bench.ts) imports it, for its library in bench/quality.",
      severity: "error",
      from: { path: "^(generator|runtime|extension)/", pathNot: "^generator/src/cli/commands/bench[.]ts$" },
      to: { path: "^bench/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "(node_modules|\\.venv)" },
  },
};
