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
 * of those is its own source, read in order through an index that holds
 * only its rows (migration 0004: `events_public`, `events_by_subject`;
 * 0009: `events_by_room`, a room's events but its messages), a page at a
 * time, and the sources are merged by id. A room's `message.created` events
 * are read through the messages table, whose `(room_id, id)` index every
 * send writes anyway: each message names its event (`event_id`), and
 * message ids and event positions grow together (see `firstMessageAfter`).
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
  const byId = (rows: { id: number | bigint | string }[]) => rows.map((r) => ({ id: Number(r.id), next: Number(r.id) }));
  const sources: Source[] = [
    new Source(q.after, async (from) =>
      byId(await db.selectFrom("events").select("id").where(sql<boolean>`scope = 'all'`).where("id", ">", from).where("id", "<=", q.upTo).orderBy("id").limit(PAGE).execute()),
    ),
    new Source(q.after, async (from) =>
      byId(
        await db
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
    ),
    ...rooms.map(
      (r) =>
        new Source(q.after, async (from) =>
          byId(
            await db
              .selectFrom("events")
              .select("id")
              .where("room_id", "=", r)
              .where(sql<boolean>`scope = 'room' and type <> 'message.created'`)
              .where("id", ">", from)
              .where("id", "<=", q.upTo)
              .orderBy("id")
              .limit(PAGE)
              .execute(),
          ),
        ),
    ),
  ];
  if (rooms.length > 0) {
    const first = await firstMessageAfter(db, q.after);
    await pause();
    // Paged by message id (`next`), yielding the event positions; rows past `upTo` end the source.
    for (const r of rooms) {
      sources.push(
        new Source(first - 1, async (fromMessage) => {
          const rows = await db
            .selectFrom("messages")
            .select(["id", "event_id"])
            .where("room_id", "=", r)
            .where("id", ">", fromMessage)
            .orderBy("id")
            .limit(PAGE)
            .execute();
          const out: SourceRow[] = [];
          for (const m of rows) {
            const at = Number(m.event_id);
            if (m.event_id === null || at <= q.after) continue;
            if (at > q.upTo) return { rows: out, end: true };
            out.push({ id: at, next: Number(m.id) });
          }
          return { rows: out, end: rows.length < PAGE, next: rows.length > 0 ? Number(rows[rows.length - 1]?.id) : undefined };
        }),
      );
    }
  }
  for (const s of sources) {
    await s.fill();
    await pause();
  }
  const ids: number[] = [];
  let live = sources.filter((s) => !s.empty);
  while (ids.length < q.limit && live.length > 0) {
    // The smallest head; sources are few (the user's rooms twice, plus two).
    let min = live[0] as Source;
    for (const s of live) if (s.head < min.head) min = s;
    const id = min.head;
    // One event can belong to several sources (a member's own join is in the room and has them as subject).
    for (const s of live) if (s.head === id) s.shift();
    ids.push(id);
    for (const s of live) {
      if (s.empty && !s.exhausted) {
        await s.fill();
        await pause();
      }
    }
    live = live.filter((s) => !s.empty);
  }
  return ids;
}

/**
 * The smallest message id whose `message.created` is after position `after`
 * (one past the largest id if none). Message ids and their events' positions
 * grow together: a message and its event are written in the same write
 * transaction, its event the next one appended (`WriteTx.insertMessage`),
 * and write transactions run one at a time (SQLite's one writer; on
 * PostgreSQL the event-log lock every write transaction takes first). So a
 * binary search over ids, one primary-key probe per step (about 25 for
 * millions of messages), finds it; rows without an event are skipped.
 */
async function firstMessageAfter(db: Db, after: number): Promise<number> {
  const top = await db.selectFrom("messages").select(sql<number | null>`max(id)`.as("top")).executeTakeFirstOrThrow();
  // Invariant: every linked message below `lo` is at or before `after`; `hi` is a message after it, or past the end.
  let lo = 1;
  let hi = Number(top.top ?? 0) + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const probe = await db
      .selectFrom("messages")
      .select(["id", "event_id"])
      .where("id", ">=", mid)
      .where("id", "<", hi)
      .where("event_id", "is not", null)
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
    if (!probe) hi = mid;
    else if (Number(probe.event_id) > after) hi = Number(probe.id);
    else lo = Number(probe.id) + 1;
  }
  return hi;
}

type SourceRow = { id: number; next: number };
type Page = SourceRow[] | { rows: SourceRow[]; end: boolean; next?: number | undefined };

/** One ordered source of visible ids, read a page at a time from its own cursor. */
class Source {
  private buf: SourceRow[] = [];
  private at = 0;
  exhausted = false;

  constructor(
    private cursor: number,
    private readonly read: (after: number) => Promise<Page>,
  ) {}

  get empty(): boolean {
    return this.at >= this.buf.length;
  }

  get head(): number {
    return this.buf[this.at]?.id ?? Number.POSITIVE_INFINITY;
  }

  shift(): void {
    this.at++;
  }

  /** The next page after the cursor (a page may come back empty yet not be the end: read again). */
  async fill(): Promise<void> {
    for (;;) {
      const page = await this.read(this.cursor);
      const rows = Array.isArray(page) ? page : page.rows;
      const last = rows[rows.length - 1];
      this.buf = rows;
      this.at = 0;
      this.exhausted = Array.isArray(page) ? rows.length < PAGE : page.end;
      const next = Array.isArray(page) ? last?.next : (page.next ?? last?.next);
      if (next !== undefined) this.cursor = next;
      if (rows.length > 0 || this.exhausted) return;
    }
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
