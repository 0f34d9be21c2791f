#!/usr/bin/env node
// The whole test suite: system packages the suites need, the builds they
// run against, every vitest project, then one closing line of totals
// ("N passed, N failed") summed from vitest's JSON report.
import { execSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const sh = (cmd) => execSync(cmd, { stdio: "inherit", cwd: root });

// Debian packages the browser and multi-node suites use. Installed when we
// can (root with apt-get, as in CI); otherwise those suites skip themselves.
const wanted = [
  ["/usr/bin/chromium", "chromium"],
  ["/usr/lib/postgresql", "postgresql"],
  ["/usr/bin/redis-server", "redis-server"],
];
const missing = wanted.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (missing.length > 0) {
  if (isRoot && existsSync("/usr/bin/apt-get")) {
    console.log(`installing ${missing.join(", ")} …`);
    sh("apt-get update -qq >/dev/null");
    sh(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(" ")} >/dev/null`);
  } else {
    console.warn(`warning: ${missing.join(", ")} not installed and not root: their suites will be skipped`);
  }
}

sh("pnpm exec turbo run build --output-logs=errors-only");

mkdirSync(`${root}/test-results`, { recursive: true });
const report = `${root}/test-results/vitest.json`;
const run = spawnSync(
  "pnpm",
  ["exec", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: "inherit", cwd: root },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed = r.numPassedTests;
  failed = r.numFailedTests + r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  skipped = r.numPendingTests + r.numTodoTests;
} else {
  failed = 1;
}
if (run.status !== 0 && failed === 0) failed = 1;
if (skipped > 0) console.log(`${skipped} skipped`);
// The last line: the totals, as CI reads them.
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
