import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

/** Where `pnpm dev` forwards API traffic: the server's own dev task. */
const apiTarget = "http://localhost:8001";

export default defineConfig({
  plugins: [solid()],
  server: {
    port: 5173,
    // Host is kept (no changeOrigin), so the server's same-origin WebSocket check passes.
    proxy: {
      "/trpc": { target: apiTarget },
      "/ws": { target: apiTarget, ws: true },
    },
  },
  build: {
    outDir: "dist",
    target: "es2022",
    // The server's CSP allows only same-origin scripts: never inline one.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
