import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Unit and medium tests import workspace packages from source; e2e tests drive the built CLI
// (`tsc -b` runs first in `npm test`) as a real server process.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@opensync\/protocol$/, replacement: src("protocol") },
      // Subpaths (`@opensync/protocol/client`, …: the zod-free modules the CLI imports) from source too,
      // or a test would hold two copies of a class (src and dist) and `instanceof` would fail.
      { find: /^@opensync\/protocol\/(.+)$/, replacement: fileURLToPath(new URL("./packages/protocol/src/", import.meta.url)) + "$1.ts" },
      { find: /^@opensync\/server$/, replacement: src("server") },
      { find: /^@opensync\/collectors$/, replacement: src("collectors") },
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default", "./e2e/harness/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          include: ["packages/*/src/**/*.test.ts", "e2e/**/*.test.ts"],
          // The dashboard's component tests need a DOM: they run in the web project below.
          exclude: ["**/node_modules/**", "packages/web/**"],
        },
      },
      "./packages/web/vitest.config.ts",
    ],
  },
});
