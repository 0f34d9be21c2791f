import { build } from "esbuild";
import { fastSpread } from "./build/fast-spread.mjs";

const here = import.meta.dirname;

// One file for production: workspace packages are bundled from source;
// native and logging modules stay external and load from node_modules.
// The server, and the admin CLI (parley-admin) that shares its configuration and database code.
await build({
  entryPoints: { main: `${here}/src/main.ts`, admin: `${here}/src/admin/main.ts` },
  outdir: `${here}/dist`,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  // sharp loads its native libvips build from node_modules; the S3 SDK (large) only loads on servers configured for S3.
  external: ["better-sqlite3", "pino", "sharp", "@aws-sdk/client-s3"],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
  plugins: [fastSpread()],
});
