import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listRoomsJson, migrate, openSqlite, type ParleyDb } from "@parley/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRoomItems } from "./rooms.ts";

// Names that JSON must escape, and ones it must not touch.
const TEXTS = ["general", "", 'quote " and \\ backslash', "line\nbreak\ttab\r\u0001\u001f", "emoji 🎉 and é", "\u2028\u2029 separators", "\ud800 lone", "</script>"];
const LEVELS = ["all", "mentions", "none"] as const;

const membership = fc.record({
  isAdmin: fc.constantFrom(0, 1),
  lastReadId: fc.nat({ max: 1000 }),
  readCount: fc.nat({ max: 60 }),
  level: fc.constantFrom(...LEVELS),
  muted: fc.constantFrom(0, 1),
  mentionUnread: fc.nat({ max: 20 }),
});
const room = fc.record({
  dm: fc.boolean(),
  isPrivate: fc.constantFrom(0, 1),
  deleted: fc.boolean(),
  name: fc.constantFrom(...TEXTS),
  description: fc.constantFrom(...TEXTS),
  slowMode: fc.constantFrom(0, 30),
  timelineCount: fc.nat({ max: 50 }),
  memberCount: fc.nat({ max: 9 }),
  // One entry per user: absent, or their membership.
  members: fc.array(fc.option(membership, { nil: null }), { minLength: 4, maxLength: 4 }),
});
const state = fc.record({ rooms: fc.array(room, { maxLength: 25 }), after: fc.nat({ max: 30 }), limit: fc.constantFrom(1, 3, 500) });
type State = typeof state extends fc.Arbitrary<infer S> ? S : never;

describe("listRoomsJson", () => {
  let dir = "";
  let handle: ParleyDb;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "parley-rooms-json-"));
    handle = openSqlite({ filename: join(dir, "chat.db") });
    await migrate(handle);
  });
  afterAll(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function seed(s: State): Promise<number[]> {
    const db = handle.db;
    await db.deleteFrom("room_members").execute();
    await db.deleteFrom("rooms").execute();
    await db.deleteFrom("users").execute();
    const users: number[] = [];
    for (let u = 0; u < 4; u++) {
      const name = `u${u}${TEXTS[u] ?? ""}`.replace(/\W/g, "");
      const row = await db
        .insertInto("users")
        .values({ username: name, username_key: name.toLowerCase(), email: `${u}@t.invalid`, password_hash: "x", created_at: 1, last_seen: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      users.push(Number(row.id));
    }
    for (const [i, r] of s.rooms.entries()) {
      const { id } = await db
        .insertInto("rooms")
        .values({
          name: r.name,
          description: r.description,
          is_private: r.dm ? 1 : r.isPrivate,
          created_by: users[0] ?? 0,
          created_at: 1000 + i,
          deleted_at: r.deleted ? 2000 : null,
          kind: r.dm ? "dm" : "channel",
          dm_key: r.dm ? `key-${i}` : null,
          timeline_count: r.timelineCount,
          member_count: r.memberCount,
          slow_mode_seconds: r.slowMode,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      for (const [u, m] of r.members.entries()) {
        if (!m) continue;
        await db
          .insertInto("room_members")
          .values({
            room_id: Number(id),
            user_id: users[u] ?? 0,
            is_admin: m.isAdmin,
            joined_at: 1,
            last_read_id: m.lastReadId,
            read_count: m.readCount,
            notify_level: m.level,
            muted: m.muted,
            mention_unread: m.mentionUnread,
          })
          .execute();
      }
    }
    return users;
  }

  it("builds, byte for byte, the JSON of the items the object path (PostgreSQL's) makes, for every user and page", async () => {
    const seedValue = Number(process.env.PARLEY_TEST_SEED ?? Date.now() % 100_000);
    console.log(`rooms-json seed: ${seedValue} (PARLEY_TEST_SEED=${seedValue} replays)`);
    // What the runs covered, so a generator that stopped reaching a branch fails here rather than passing quietly.
    const seen = { dmMembers: 0, notMember: 0, mutedBadge: 0, readPastEnd: 0, escaped: 0 };
    await fc.assert(
      fc.asyncProperty(state, async (s) => {
        const users = await seed(s);
        for (const userId of users) {
          const page = { after: s.after, limit: s.limit };
          const objects = await listRoomItems(handle.db, userId, page);
          const text = await listRoomsJson(handle.db, userId, page);
          expect(text).toBe(JSON.stringify(objects));
          for (const r of objects) {
            if (r.members && r.members.length > 0) seen.dmMembers++;
            if (!r.isMember) seen.notMember++;
            if (r.muted && r.badgeCount !== r.unreadCount) seen.mutedBadge++;
            if (r.isMember && r.unreadCount === 0) seen.readPastEnd++;
            if (["\n", '"', "\\"].some((c) => r.name.includes(c))) seen.escaped++;
          }
        }
      }),
      { numRuns: 60, seed: seedValue },
    );
    for (const [branch, n] of Object.entries(seen)) expect(n, branch).toBeGreaterThan(0);
  });

  it("is an empty array past the last room", async () => {
    const users = await seed({ rooms: [], after: 0, limit: 500 });
    expect(await listRoomsJson(handle.db, users[0] ?? 0, { after: 0, limit: 500 })).toBe("[]");
  });
});
