import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const webDir = fileURLToPath(new URL("..", import.meta.url));
const serverDir = fileURLToPath(new URL("../../server", import.meta.url));

/**
 * The end-to-end tests run the production build: the web app is built here
 * (a few seconds); the server bundle is built when missing (the root
 * `pnpm test` builds it first).
 */
export default async function setup() {
  await build({ root: webDir, configFile: `${webDir}/vite.config.ts`, logLevel: "warn" });
  if (!existsSync(`${serverDir}/dist/main.js`)) {
    const r = spawnSync(process.execPath, ["build.mjs"], { cwd: serverDir, stdio: "inherit" });
    if (r.status !== 0) throw new Error("building apps/server failed");
  }
}
