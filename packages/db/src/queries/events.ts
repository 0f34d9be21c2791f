import { type Kysely, sql } from "kysely";
import type { Database, EventRow, NewEvent } from "../schema.ts";

type Db = Kysely<Database>;

export async function insertEvent(db: Db, e: NewEvent): Promise<number> {
  const row = await db.insertInto("events").values(e).returning("id").executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The newest stream position, 0 for an empty log. */
export async function headPosition(db: Db): Promise<number> {
  const r = await db.selectFrom("events").select(sql<number | null>`max(id)`.as("head")).executeTakeFirstOrThrow();
  return Number(r.head ?? 0);
}

/** Every event in (after, …], oldest first: the hub's feed. */
export function eventsAfter(db: Db, after: number, limit: number): Promise<EventRow[]> {
  return db.selectFrom("events").selectAll().where("id", ">", after).orderBy("id").limit(limit).execute();
}

/**
 * The events in (after, upTo] that `userId` may see, oldest first: the
 * resume replay. Visibility: scope `all`; scope `user` addressed to them;
 * scope `room` for rooms they belong to now, or where they are the subject
 * (the member who left or was removed sees that event).
 */
export function visibleEventsAfter(
  db: Db,
  q: { userId: number; after: number; upTo: number; limit: number },
): Promise<EventRow[]> {
  return db
    .selectFrom("events as e")
    .selectAll("e")
    .where("e.id", ">", q.after)
    .where("e.id", "<=", q.upTo)
    .where((eb) =>
      eb.or([
        eb("e.scope", "=", "all"),
        eb.and([eb("e.scope", "in", ["user", "room"]), eb("e.user_id", "=", q.userId)]),
        eb.and([
          eb("e.scope", "=", "room"),
          eb(
            "e.room_id",
            "in",
            eb.selectFrom("room_members as m").select("m.room_id").where("m.user_id", "=", q.userId),
          ),
        ]),
      ]),
    )
    .orderBy("e.id")
    .limit(q.limit)
    .execute();
}
