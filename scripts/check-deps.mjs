#!/usr/bin/env node
// Dependency floors: every installed copy of these packages must be at least
// the version below, which fixes known vulnerabilities. Versions are read
// from pnpm's lockfile and, when present, from node_modules/.pnpm (what is
// actually installed), so a transitive copy counts too.
//
//   node scripts/check-deps.mjs [--lockfile <path>] [--no-node-modules]
//
// Exit 0 when every copy meets its floor, 1 otherwise (each offender named).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const FLOORS = {
  // CVE-2024-37890: a request with many headers crashes a ws server (fixed in 8.17.1).
  ws: "8.17.1",
  // CVE-2022-23529/23539/23540/23541: key confusion and insecure defaults (fixed in 9.0.0).
  jsonwebtoken: "9.0.0",
  // Published advisories for the 11.x line (e.g. a WebSocket connectionParams crash) are fixed below this.
  "@trpc/server": "11.8.0",
  // CVE-2025-27109: JSX fragment content not escaped, an XSS (fixed in 1.9.4).
  "solid-js": "1.9.4",
};

const args = process.argv.slice(2);
const root = new URL("..", import.meta.url).pathname;
const lockfile = args.includes("--lockfile") ? args[args.indexOf("--lockfile") + 1] : join(root, "pnpm-lock.yaml");
const scanNodeModules = !args.includes("--no-node-modules");

/** Compares x.y.z (prerelease tags sort before the release). */
function compare(a, b) {
  const parse = (v) => {
    const [core, pre] = v.split("-", 2);
    return { nums: core.split(".").map((n) => Number.parseInt(n, 10) || 0), pre: pre ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === null) return 1;
  if (y.pre === null) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** name → set of versions, with where each was seen. */
const found = new Map(Object.keys(FLOORS).map((n) => [n, new Map()]));
const note = (name, version, where) => {
  const versions = found.get(name);
  if (!versions) return;
  versions.set(version, [...(versions.get(version) ?? []), where]);
};

// pnpm-lock.yaml v9: keys of the `packages:` section look like `  ws@8.18.3:` or `  '@trpc/server@11.25.2':`.
if (existsSync(lockfile)) {
  let inPackages = false;
  for (const line of readFileSync(lockfile, "utf8").split("\n")) {
    if (/^\S/.test(line)) inPackages = line.startsWith("packages:") || line.startsWith("snapshots:");
    if (!inPackages) continue;
    const m = /^ {2}'?((?:@[^@/\s]+\/)?[^@\s']+)@(\d+\.\d+\.\d+[^(':\s]*)/.exec(line);
    if (m) note(m[1], m[2], "lockfile");
  }
} else {
  console.error(`check-deps: no lockfile at ${lockfile}`);
  process.exit(1);
}

// node_modules/.pnpm entries look like `ws@8.23.0` or `@trpc+server@11.25.2_<peers>`.
const store = join(root, "node_modules", ".pnpm");
if (scanNodeModules && existsSync(store)) {
  for (const entry of readdirSync(store)) {
    const m = /^((?:@[^+]+\+)?[^@]+)@(\d+\.\d+\.\d+[^_]*)/.exec(entry);
    if (m) note(m[1].replace("+", "/"), m[2], "node_modules");
  }
}

let failed = false;
for (const [name, floor] of Object.entries(FLOORS)) {
  const versions = [...(found.get(name)?.keys() ?? [])].sort(compare);
  if (versions.length === 0) {
    console.log(`  ${name}: not installed (floor ${floor})`);
    continue;
  }
  const low = versions.filter((v) => compare(v, floor) < 0);
  for (const v of low) {
    failed = true;
    console.error(`  ${name}@${v} is below ${floor} (seen in ${[...new Set(found.get(name)?.get(v))].join(", ")})`);
  }
  if (low.length === 0) console.log(`  ${name} ${versions.join(", ")} ok (floor ${floor})`);
}
if (failed) {
  console.error("check-deps: upgrade the packages above (pnpm update <name>, or a pnpm override for a transitive copy)");
  process.exit(1);
}
