import type { Kysely } from "kysely";
import type { Database, RoomRow } from "../schema.ts";

type Db = Kysely<Database>;

/**
 * A DM's key: its members' ids, sorted and distinct ("1,5,9"). `rooms.dm_key`
 * is unique, so one set of people has one room however the opens race.
 */
export function dmKeyOf(memberIds: readonly number[]): string {
  return [...new Set(memberIds)].sort((a, b) => a - b).join(",");
}

/** The DM of exactly these members, if it was opened before. */
export function findDmByKey(db: Db, key: string): Promise<RoomRow | undefined> {
  return db.selectFrom("rooms").selectAll().where("dm_key", "=", key).executeTakeFirst();
}

/** A DM is private (non-members get NOT_FOUND), has no name of its own, and is keyed by its members. */
export function insertDmRoom(db: Db, r: { key: string; createdBy: number; now: number }): Promise<RoomRow> {
  return db
    .insertInto("rooms")
    .values({ name: "", description: "", is_private: 1, created_by: r.createdBy, created_at: r.now, deleted_at: null, kind: "dm", dm_key: r.key })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The members of each of `roomIds` (ids and usernames, in id order): how clients name a DM. */
export async function dmMembers(db: Db, roomIds: readonly number[]): Promise<Map<number, { id: number; username: string }[]>> {
  const out = new Map<number, { id: number; username: string }[]>();
  if (roomIds.length === 0) return out;
  const rows = await db
    .selectFrom("room_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.room_id", "u.id", "u.username"])
    .where("m.room_id", "in", roomIds)
    .orderBy("m.room_id")
    .orderBy("u.id")
    .execute();
  for (const r of rows) {
    const list = out.get(Number(r.room_id)) ?? [];
    list.push({ id: Number(r.id), username: r.username });
    out.set(Number(r.room_id), list);
  }
  return out;
}
