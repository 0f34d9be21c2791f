import { migrate, openSqlite } from "@parley/db";
import { afterAll, describe, expect, it } from "vitest";
import { createServices, defaultApiConfig } from "../services.ts";

const handle = openSqlite({ filename: ":memory:" });
afterAll(() => handle.close());

describe("the revoked-session set", () => {
  it("forgets a session once every access token it could have issued has expired", async () => {
    await migrate(handle);
    let clock = 1_000_000;
    const ttlSeconds = 60;
    const svc = createServices(
      handle.db,
      { ...defaultApiConfig, secretKey: "x".repeat(40), accessTokenTtlSeconds: ttlSeconds },
      { writeTransaction: handle.writeTransaction, now: () => clock },
    );
    svc.revokedSessions.add("early");
    expect(svc.revokedSessions.has("early")).toBe(true);
    clock += ttlSeconds * 1000; // its last token has just expired, within the clock-skew margin
    svc.revokedSessions.add("middle");
    expect(svc.revokedSessions.has("early")).toBe(true);
    clock += 61_000; // past the margin too
    svc.revokedSessions.add("late");
    expect(["early", "middle", "late"].filter((s) => svc.revokedSessions.has(s))).toEqual(["middle", "late"]);
  });
});
