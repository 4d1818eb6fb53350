import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The protocol package is read from source, so the dashboard never waits on its `tsc` build and
// `vite dev` picks up protocol changes at once (it is browser-safe: zod only).
const protocolSrc = fileURLToPath(new URL("../protocol/src/", import.meta.url));

// `npm run dev -w @opensync/web` proxies the API to a running `opensync serve`
// (OPENSYNC_DEV_API, default the CLI's default port).
const api = process.env.OPENSYNC_DEV_API ?? "http://127.0.0.1:8790";
// (Not `/search`: that is also an app route; the compat `POST /search` is for agents, not the app.)
const proxied = ["/api", "/sync", "/health"];

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: [
      { find: /^@opensync\/protocol$/, replacement: `${protocolSrc}index.ts` },
      // A module of the package (`@opensync/protocol/client`): the client alone is free of zod,
      // which keeps the first load small.
      { find: /^@opensync\/protocol\/(.+)$/, replacement: `${protocolSrc}$1.ts` },
    ],
  },
  server: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
  preview: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        // Route chunks are named after their folder (overview-*.js, sessions-*.js), so the
        // per-route size report and the benchmark can tell them apart.
        chunkFileNames: (chunk) => {
          const route = /\/routes\/([^/]+)\/page\.tsx$/.exec(chunk.facadeModuleId ?? "")?.[1];
          return `assets/${route ? `route-${route}` : "[name]"}-[hash].js`;
        },
      },
    },
  },
});
