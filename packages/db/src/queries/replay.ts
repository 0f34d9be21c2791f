import { type Kysely, sql } from "kysely";
import type { Database, EventRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Ids read per source and query: a few hundred keeps every query short. */
const PAGE = 256;

/**
 * The ids of the events in (after, upTo] that `userId` may see, oldest first,
 * at most `limit`: what a resume replays. Visibility (docs/ARCHITECTURE.md,
 * "Event visibility"): scope `all`; scope `user` or `room` with them as the
 * subject (`user_id`: the member who left or was removed sees that event);
 * scope `room` for the rooms they belong to now.
 *
 * The cost depends on what the user may see, not on the log's length: each
 * of those is its own source, read in id order through an index that holds
 * only its rows (migration 0004: `events_public`, `events_by_subject`,
 * `events_by_room`), a page at a time, and the sources are merged by id.
 * So the work is about `limit` index entries plus one page per source, and
 * a log of millions of other rooms' messages costs nothing. Every page read
 * is a short query; `pause` runs between them so a long resume lets the
 * process serve everyone else (the SQLite driver is synchronous).
 */
export async function visibleEventIds(
  db: Db,
  q: { userId: number; after: number; upTo: number; limit: number; rooms?: readonly number[] | undefined },
  pause: () => Promise<void> = async () => {},
): Promise<number[]> {
  if (q.upTo <= q.after || q.limit <= 0) return [];
  const rooms = q.rooms ?? (await roomIdsOf(db, q.userId));
  const sources: Source[] = [
    new Source((from) =>
      db.selectFrom("events").select("id").where(sql<boolean>`scope = 'all'`).where("id", ">", from).where("id", "<=", q.upTo).orderBy("id").limit(PAGE).execute(),
    ),
    new Source((from) =>
      db
        .selectFrom("events")
        .select("id")
        .where("user_id", "=", q.userId)
        .where(sql<boolean>`scope in ('user', 'room')`)
        .where("id", ">", from)
        .where("id", "<=", q.upTo)
        .orderBy("id")
        .limit(PAGE)
        .execute(),
    ),
    ...rooms.map(
      (r) =>
        new Source((from) =>
          db
            .selectFrom("events")
            .select("id")
            .where("room_id", "=", r)
            .where(sql<boolean>`scope = 'room'`)
            .where("id", ">", from)
            .where("id", "<=", q.upTo)
            .orderBy("id")
            .limit(PAGE)
            .execute(),
        ),
    ),
  ];
  for (const s of sources) {
    await s.fill(q.after);
    await pause();
  }
  const ids: number[] = [];
  let live = sources.filter((s) => !s.empty);
  while (ids.length < q.limit && live.length > 0) {
    // The smallest head; sources are few (the user's rooms, plus two).
    let min = live[0] as Source;
    for (const s of live) if (s.head < min.head) min = s;
    const id = min.head;
    // One event can belong to several sources (a member's own join is in the room and has them as subject).
    for (const s of live) if (s.head === id) s.shift();
    ids.push(id);
    for (const s of live) {
      if (s.empty && !s.exhausted) {
        await s.fill(id);
        await pause();
      }
    }
    live = live.filter((s) => !s.empty);
  }
  return ids;
}

/** One index-ordered source of visible ids, read a page at a time. */
class Source {
  private buf: number[] = [];
  private at = 0;
  exhausted = false;

  constructor(private readonly read: (after: number) => Promise<{ id: number | bigint | string }[]>) {}

  get empty(): boolean {
    return this.at >= this.buf.length;
  }

  get head(): number {
    return this.buf[this.at] ?? Number.POSITIVE_INFINITY;
  }

  shift(): void {
    this.at++;
  }

  async fill(after: number): Promise<void> {
    const rows = await this.read(after);
    this.buf = rows.map((r) => Number(r.id));
    this.at = 0;
    this.exhausted = rows.length < PAGE;
  }
}

/** The rooms a user is in now: what a replay reads besides public events and those about the user. */
export async function roomIdsOf(db: Db, userId: number): Promise<number[]> {
  const rows = await db.selectFrom("room_members").select("room_id").where("user_id", "=", userId).execute();
  return rows.map((r) => Number(r.room_id));
}

/** The rows of `ids` (a page of a replay), oldest first. */
export function eventsByIds(db: Db, ids: readonly number[]): Promise<EventRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("events").selectAll().where("id", "in", ids).orderBy("id").execute();
}
