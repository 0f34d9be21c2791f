import { defineConfig, type ProxyOptions } from "vite";
import solid from "vite-plugin-solid";
import { precompress } from "./precompress.ts";

/** Where `pnpm dev` forwards API traffic: the server's own dev task. */
const apiTarget = "http://localhost:8001";
const devPort = 5173;

/**
 * The server judges Origin against its own configured origins (not against
 * Host), so the dev page's origin would be refused. A request from the dev
 * page itself is presented as the server's own origin; any other Origin
 * (another site, via this proxy) is passed on unchanged and refused there.
 */
const devOrigins = new Set([`http://localhost:${devPort}`, `http://127.0.0.1:${devPort}`, `http://[::1]:${devPort}`]);
const asServerOrigin: ProxyOptions["configure"] = (proxy) => {
  const rewrite = (proxyReq: { setHeader(name: string, value: string): unknown }, req: { headers: { origin?: string | undefined } }) => {
    if (req.headers.origin !== undefined && devOrigins.has(req.headers.origin)) proxyReq.setHeader("origin", apiTarget);
  };
  proxy.on("proxyReq", rewrite);
  proxy.on("proxyReqWs", rewrite);
};

export default defineConfig({
  plugins: [solid(), precompress()],
  server: {
    port: devPort,
    // Host is kept (no changeOrigin): localhost on any port is a Host the server answers to.
    proxy: {
      "/trpc": { target: apiTarget, configure: asServerOrigin },
      "/ws": { target: apiTarget, ws: true, configure: asServerOrigin },
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
