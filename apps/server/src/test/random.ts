import { onTestFailed } from "vitest";

/**
 * Seeded randomness for tests, so a failing run can be replayed: each test
 * takes its generator from `seededRandom`, which prints the seed if the test
 * fails. PARLEY_TEST_SEED picks the seed (to replay a failure, or to explore
 * others); without it every run uses the test's fixed default.
 */

/** mulberry32: small, fast, and good enough to pick delays and victims. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedFromEnv(): number | null {
  const raw = process.env.PARLEY_TEST_SEED;
  if (raw === undefined || raw === "") return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`PARLEY_TEST_SEED must be an integer, got "${raw}"`);
  return n;
}

/** A generator for the running test (call it inside the test); its seed is printed if the test fails. */
export function seededRandom(defaultSeed: number): { random: () => number; seed: number } {
  const seed = seedFromEnv() ?? defaultSeed;
  onTestFailed(() => {
    console.error(`random seed was ${seed}: PARLEY_TEST_SEED=${seed} replays it`);
  });
  return { random: mulberry32(seed), seed };
}
