import { describe, expect, test } from "vitest";
import { dayLabel, relativeTime } from "./time.ts";

describe("time labels", () => {
  const now = new Date(2026, 10, 24, 15, 0, 0).getTime();
  test("recent messages read as relative times", () => {
    expect(relativeTime(now - 20_000, now)).toBe("just now");
    expect(relativeTime(now - 5 * 60_000, now)).toBe("5 min ago");
  });
  test("older messages carry the day", () => {
    expect(relativeTime(now - 26 * 3600_000, now)).toMatch(/^Yesterday /);
    expect(dayLabel(now - 3600_000, now)).toBe("Today");
    expect(dayLabel(now - 24 * 3600_000, now)).toBe("Yesterday");
    expect(dayLabel(now - 5 * 24 * 3600_000, now)).not.toMatch(/Today|Yesterday/);
  });
});
