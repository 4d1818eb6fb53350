import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineProject } from "vitest/config";

// Component tests of the dashboard: a DOM (happy-dom), React, the protocol package from source.
export default defineProject({
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^@opensync\/protocol$/, replacement: fileURLToPath(new URL("../protocol/src/index.ts", import.meta.url)) },
      { find: /^@opensync\/protocol\/(.+)$/, replacement: fileURLToPath(new URL("../protocol/src/", import.meta.url)) + "$1.ts" },
    ],
  },
  test: {
    name: "web",
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "happy-dom",
    setupFiles: ["./src/test/setup.ts"],
  },
});
