import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const webDir = fileURLToPath(new URL("..", import.meta.url));
const serverDir = fileURLToPath(new URL("../../server", import.meta.url));

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when dist/ is older than anything it is built from (or missing). */
function webBuildStale(): boolean {
  const built = join(webDir, "dist", "index.html");
  if (!existsSync(built)) return true;
  const sources = ["src", "public", "index.html", "vite.config.ts", "../../packages/client/src", "../../packages/api/src/schemas.ts", "../../packages/api/src/limits.ts", "../../packages/api/src/notify-rule.ts", "../../packages/api/src/markdown", "../../packages/api/src/schemas-admin.ts"];
  const newest = Math.max(...sources.map((s) => join(webDir, s)).filter(existsSync).map(newestMtime));
  return newest > statSync(built).mtimeMs;
}

/**
 * The end-to-end tests run the production build: the web app is rebuilt
 * here when its sources are newer than dist/ (the root test script builds
 * it first, so usually nothing happens); the server bundle when missing.
 */
export default async function setup() {
  if (webBuildStale()) await build({ root: webDir, configFile: `${webDir}/vite.config.ts`, logLevel: "warn" });
  if (!existsSync(`${serverDir}/dist/main.js`)) {
    const r = spawnSync(process.execPath, ["build.mjs"], { cwd: serverDir, stdio: "inherit" });
    if (r.status !== 0) throw new Error("building apps/server failed");
  }
}
