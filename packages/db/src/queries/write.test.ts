import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, openSqlite, type ParleyDb } from "../connect.ts";
import type { EventRow } from "../schema.ts";
import { insertRoom } from "./rooms.ts";
import { kyselyWriteTransaction, type WriteTransaction, type WriteTx } from "./write.ts";

const open: ParleyDb[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function fresh(): Promise<ParleyDb> {
  const dir = mkdtempSync(join(tmpdir(), "parley-write-"));
  dirs.push(dir);
  const h = openSqlite({ filename: join(dir, "chat.db") });
  open.push(h);
  await migrate(h);
  await h.db.insertInto("users").values({ id: 1, username: "ada", username_key: "ada", email: "a@x.y", password_hash: "x", created_at: 1, last_seen: null }).execute();
  await insertRoom(h.db, { name: "general", description: "", isPrivate: false, createdBy: 1, now: 1 });
  await h.db.insertInto("room_members").values({ room_id: 1, user_id: 1, is_admin: 1, joined_at: 1 }).execute();
  return h;
}

/** One script of hot-path calls and a general query, returning everything each call answered. */
async function script(run: WriteTransaction): Promise<{ answers: unknown[]; committed: EventRow[] }> {
  const committed: EventRow[] = [];
  const answers: unknown[] = [];
  const step = async (tx: WriteTx) => {
    answers.push(await tx.senderAccess(1, 1), await tx.senderAccess(1, 2), await tx.senderAccess(99, 1));
    answers.push(await tx.findByClientId(1, "c1"));
    answers.push(await tx.appendEvent({ type: "t", scope: "room", room_id: 1, user_id: null, payload: "{}", version: 1, created_at: 7 }));
    const first = await tx.insertMessage({ roomId: 1, senderId: 1, senderName: "ada", senderDisplayName: null, senderIsBot: 0, overrideName: null, kind: "text", content: "héllo\u0000 ✓", clientId: "c1", now: 5, threadId: null, inRoom: 1 });
    answers.push(first, await tx.appendEvent({ type: "message.created", scope: "room", room_id: 1, user_id: null, payload: "{}", version: 1, created_at: 7 }, first.event_id));
    const second = await tx.insertMessage({ roomId: 1, senderId: null, senderName: null, senderDisplayName: null, senderIsBot: 0, overrideName: null, kind: "system", content: "ada joined", clientId: null, now: 6, threadId: 2, inRoom: 0 });
    answers.push(second, await tx.appendEvent({ type: "message.created", scope: "room", room_id: 1, user_id: null, payload: "{}", version: 1, created_at: 7 }, second.event_id));
    answers.push(await tx.findByClientId(1, "c1"));
    answers.push(await tx.appendEvent({ type: "u", scope: "user", room_id: null, user_id: 1, payload: '{"a":1}', version: 2, created_at: 8 }));
    answers.push(await tx.db.selectFrom("messages").selectAll().orderBy("id").execute());
    // The counters: the accelerator keeps them until another query needs them, which must then read what was set.
    answers.push(await tx.bumpTimeline(1), await tx.bumpTimeline(1));
    await tx.setMarker({ roomId: 1, userId: 1, lastReadId: 1, readCount: 1, mentionUnread: 0 });
    await tx.setMarker({ roomId: 1, userId: 1, lastReadId: 2, readCount: 2, mentionUnread: 0 });
    answers.push(await readState(tx));
    answers.push(await tx.bumpTimeline(1));
    await tx.setMarker({ roomId: 1, userId: 1, lastReadId: 3, readCount: 3, mentionUnread: 0 });
    await expect(Promise.resolve().then(() => tx.bumpTimeline(99))).rejects.toThrow();
  };
  await run(step, (rows) => committed.push(...rows));
  return { answers, committed };
}

const readState = (tx: WriteTx) =>
  tx.db
    .selectFrom("room_members as rm")
    .innerJoin("rooms as r", "r.id", "rm.room_id")
    .select(["r.timeline_count", "rm.last_read_id", "rm.read_count"])
    .where("rm.room_id", "=", 1)
    .execute();

describe("the SQLite write accelerator", () => {
  it("answers and stores exactly what the same Kysely queries do", async () => {
    const fast = await fresh();
    const reference = await fresh();
    const a = await script(fast.writeTransaction);
    const b = await script(kyselyWriteTransaction(reference.db));
    expect(a.answers).toEqual(b.answers);
    expect(a.committed).toEqual(b.committed);
    expect(a.committed.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    // Each message names the position its event was appended at (reserved by its insert).
    const links = await fast.db.selectFrom("messages").select(["id", "event_id"]).orderBy("id").execute();
    expect(links).toEqual([
      { id: 1, event_id: 2 },
      { id: 2, event_id: 3 },
    ]);
    expect(a.answers.slice(-4)).toEqual([1, 2, [{ timeline_count: 2, last_read_id: 2, read_count: 2 }], 3]);
    // And what was kept at the end is written before COMMIT.
    expect(await fast.db.selectFrom("room_members").select(["last_read_id", "read_count"]).execute()).toEqual([{ last_read_id: 3, read_count: 3 }]);
    expect(await fast.db.selectFrom("rooms").select("timeline_count").execute()).toEqual([{ timeline_count: 3 }]);
    for (const table of ["messages", "events", "rooms"] as const) {
      expect(await fast.db.selectFrom(table).selectAll().orderBy("id").execute()).toEqual(
        await reference.db.selectFrom(table).selectAll().orderBy("id").execute(),
      );
    }
    expect(await fast.db.selectFrom("room_members").selectAll().execute()).toEqual(await reference.db.selectFrom("room_members").selectAll().execute());
  });

  it("rolls back everything a failed transaction wrote, and reports no events", async () => {
    const h = await fresh();
    const committed: EventRow[] = [];
    await expect(
      h.writeTransaction(async (tx) => {
        const m = await tx.insertMessage({ roomId: 1, senderId: 1, senderName: "ada", senderDisplayName: null, senderIsBot: 0, overrideName: null, kind: "text", content: "lost", clientId: "c2", now: 5, threadId: null, inRoom: 1 });
        await tx.appendEvent({ type: "t", scope: "room", room_id: 1, user_id: null, payload: "{}", version: 1, created_at: 5 }, m.event_id);
        await tx.bumpTimeline(1);
        await tx.setMarker({ roomId: 1, userId: 1, lastReadId: m.id, readCount: 1, mentionUnread: 0 });
        await tx.db.insertInto("room_members").values({ room_id: 1, user_id: 1, is_admin: 0, joined_at: 5 }).execute();
      }, (rows) => committed.push(...rows)),
    ).rejects.toThrow(/UNIQUE/);
    expect(committed).toEqual([]);
    expect(await h.db.selectFrom("messages").selectAll().execute()).toEqual([]);
    expect(await h.db.selectFrom("events").selectAll().execute()).toEqual([]);
    // A transaction that fails with counters still kept in memory (no query ran after them).
    await expect(
      h.writeTransaction(async (tx) => {
        await tx.bumpTimeline(1);
        await tx.setMarker({ roomId: 1, userId: 1, lastReadId: 7, readCount: 7, mentionUnread: 0 });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await h.db.selectFrom("rooms").select("timeline_count").execute()).toEqual([{ timeline_count: 0 }]);
    expect(await h.db.selectFrom("room_members").select(["last_read_id", "read_count"]).execute()).toEqual([{ last_read_id: 0, read_count: 0 }]);
    // The connection is usable afterwards (the transaction was closed, the lock released), and nothing kept from the failed one is written.
    await h.writeTransaction(async (tx) => tx.appendEvent({ type: "t", scope: "all", room_id: null, user_id: null, payload: "{}", version: 1, created_at: 9 }));
    expect(await h.db.selectFrom("events").select("id").execute()).toHaveLength(1);
    expect(await h.db.selectFrom("room_members").select(["last_read_id", "read_count"]).execute()).toEqual([{ last_read_id: 0, read_count: 0 }]);
    expect(await h.writeTransaction(async (tx) => tx.bumpTimeline(1))).toBe(1);
  });

  for (const [name, open] of [
    ["the accelerator", (h: ParleyDb) => h.writeTransaction],
    ["Kysely", (h: ParleyDb) => kyselyWriteTransaction(h.db)],
  ] as const) {
    it(`refuses, with ${name}, any use of a reserved position but appending it next (nothing is committed)`, async () => {
      const h = await fresh();
      const ev = { type: "t", scope: "room", room_id: 1, user_id: null, payload: "{}", version: 1, created_at: 5 } as const;
      const msg = (clientId: string) => ({ roomId: 1, senderId: 1, senderName: "ada", senderDisplayName: null, senderIsBot: 0, overrideName: null, kind: "text", content: "x", clientId, now: 5, threadId: null, inRoom: 1 }) as const;
      const run = open(h);
      // Never appended.
      await expect(run(async (tx) => void (await tx.insertMessage(msg("a"))))).rejects.toThrow(/never appended/);
      // Another event appended first.
      await expect(
        run(async (tx) => {
          const m = await tx.insertMessage(msg("b"));
          await tx.appendEvent(ev);
          await tx.appendEvent(ev, m.event_id);
        }),
      ).rejects.toThrow(/reserved position/);
      // A second message before the first one's event.
      await expect(
        run(async (tx) => {
          await tx.insertMessage(msg("c"));
          await tx.insertMessage(msg("d"));
        }),
      ).rejects.toThrow(/before the event of the previous one/);
      // A position nobody reserved.
      await expect(run(async (tx) => void (await tx.appendEvent(ev, 1)))).rejects.toThrow(/reserved position is none/);
      expect(await h.db.selectFrom("messages").selectAll().execute()).toEqual([]);
      expect(await h.db.selectFrom("events").selectAll().execute()).toEqual([]);
      // After all that, a message and its event land at the next position the log gives.
      const m = await run(async (tx) => {
        const row = await tx.insertMessage(msg("e"));
        await tx.appendEvent(ev, row.event_id);
        return row;
      });
      expect(m.event_id).toBe(1);
    });
  }
});
