import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Unit and medium tests import workspace packages from source; e2e tests drive the built CLI
// (`tsc -b` runs first in `npm test`) as a real server process.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@opensync\/protocol$/, replacement: src("protocol") },
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
