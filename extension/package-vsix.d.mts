/** vsce targets the .vsix can be packed for, and onnxruntime-node's binary folder (`<os>/<arch>`) for each. */
export declare const TARGETS: Record<
  "linux-x64" | "linux-arm64" | "darwin-arm64" | "win32-x64" | "win32-arm64",
  string
>;
/** This machine's platform as a vsce target (`<platform>-<arch>`). */
export declare function currentTarget(): string;
/** The production packages reachable from the root package.json's dependencies, as node_modules folder names. */
export declare function productionPackages(rootDir?: string): string[];
/** Stages the package root the extension runs its CLI from (`<extension>/cli`) for a target. */
export declare function stageCli(cliDir: string, target: string): void;
