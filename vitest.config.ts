import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "generator/src/**/*.test.ts",
      "runtime/src/**/*.test.ts",
      "extension/src/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["test/helpers/temp-root.ts"],
  },
});
