import { chmodSync } from "node:fs";
import { build } from "esbuild";

// One executable file; `ws`'s optional native helpers stay out (ws works without them).
await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/parley.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  external: ["bufferutil", "utf-8-validate", "tsx"],
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
chmodSync("dist/parley.js", 0o755);
