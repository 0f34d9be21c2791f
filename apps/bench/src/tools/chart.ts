import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchResults } from "../bench.ts";
import { benchDir, repoRoot } from "../proc.ts";
import { chart } from "../report.ts";

/** Redraws docs/bench/latest.svg from apps/bench/results/latest.json (no re-run). */
const r = JSON.parse(readFileSync(join(benchDir, "results", "latest.json"), "utf8")) as BenchResults;
const svg = await chart(r);
if (!svg) throw new Error("no fan-out results to draw");
writeFileSync(join(repoRoot, "docs", "bench", "latest.svg"), svg);
console.log("wrote docs/bench/latest.svg");
