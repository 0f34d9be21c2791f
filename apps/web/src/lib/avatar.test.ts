import { describe, expect, test } from "vitest";
import { hue, initials } from "./avatar.ts";

/** Shortest distance between two hues on the wheel. */
const apart = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

describe("avatar colours", () => {
  test("similar names get clearly different hues, and the same name always the same one", () => {
    const names = ["ann", "anne", "ann1", "ann2", "ann3", "bob", "bob1", "bob2", "alice", "alicf", "carol", "carol2"];
    for (const n of names) expect(hue(n)).toBe(hue(n));
    const nearMisses = [["ann1", "ann2"], ["ann2", "ann3"], ["bob1", "bob2"], ["alice", "alicf"], ["carol", "carol2"], ["ann", "anne"]];
    const gaps = nearMisses.map(([a = "", b = ""]) => apart(hue(a), hue(b)));
    // The old hash moved 1° per character; these are 10° or more apart, most much more.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10);
    expect(gaps.reduce((s, g) => s + g, 0) / gaps.length).toBeGreaterThan(45);
  });

  test("a thousand usernames fill the whole wheel: every 30° slice is used, none holds more than twice its share", () => {
    const slices = new Array<number>(12).fill(0);
    for (let i = 0; i < 1000; i++) {
      const h = hue(`user${i}`);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(360);
      slices[Math.floor(h / 30)] = (slices[Math.floor(h / 30)] ?? 0) + 1;
    }
    expect(Math.min(...slices)).toBeGreaterThan(0);
    expect(Math.max(...slices)).toBeLessThan((1000 / 12) * 2);
  });

  test("initials: two words give their first letters, one word its first two", () => {
    expect(initials("ann.lee")).toBe("AL");
    expect(initials("bob")).toBe("BO");
    expect(initials("")).toBe("?");
  });
});
