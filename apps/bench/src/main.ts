import { runBench, SCENARIOS } from "./bench.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const unknown = only?.filter((s) => !(SCENARIOS as readonly string[]).includes(s)) ?? [];
if (unknown.length) {
  console.error(`unknown scenario ${unknown.join(", ")}; choose from ${SCENARIOS.join(", ")}`);
  process.exit(2);
}

const rates = args
  .find((a) => a.startsWith("--rates="))
  ?.slice(8)
  .split(",")
  .map(Number);
const skipRaw = args.includes("--no-raw");

const build = !args.includes("--no-build");
// --baseline=<server bundle of an older commit>: measured too, as "before".
const baseline = args.find((a) => a.startsWith("--baseline="))?.slice(11);

// --web-dist=<apps/web/dist of an older commit>: measured too in the web scenario, as "before".
const webBaseline = args.find((a) => a.startsWith("--web-dist="))?.slice(11);

runBench({ quick, only, rates, skipRaw, build, baseline, webBaseline }).then(
  (r) => process.exit(r.ok ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
