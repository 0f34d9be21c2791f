import { expect, test } from "vitest";
import { runBench } from "./bench.ts";

// The whole `pnpm bench --quick` against the real production build: no
// timing assertions, only that every scenario runs and nothing is lost.
test("the quick bench runs every scenario and loses, duplicates or reorders nothing", async () => {
  const r = await runBench({ quick: true, quiet: true, write: false });
  expect(r.problems).toEqual([]);
  const f = r.fanout;
  expect(f?.parley.lost).toBe(0);
  expect(f?.parley.duplicated).toBe(0);
  expect(f?.parley.outOfOrder).toBe(0);
  expect(f?.parley.steps.every((s) => s.acked === s.sent && s.deliveries === s.acked * f.params.perRoom)).toBe(true);
  expect(f?.parley.realClient?.received).toBe(f?.parley.realClient?.expected);
  expect(r.connections?.parley.connections).toBe(r.connections?.params.connections);
  expect(r.history?.pageMs.p50).toBeGreaterThan(0);
  expect(r.ingest?.parley.acked).toBeGreaterThan(0);
});
