import { type Kysely, sql } from "kysely";
import type { Database, Flag, MessageKind } from "../schema.ts";
import { isPostgres } from "../postgres.ts";
import type { Args } from "./args.ts";

type Db = Kysely<Database>;

/** The columns of a message as the API reads it (history, search). */
export const messageColumns = [
  "m.id",
  "m.room_id",
  "m.sender_id",
  "u.username as sender_name",
  "u.display_name as sender_display_name",
  "u.is_bot as sender_is_bot",
  "m.kind",
  "m.content",
  "m.client_id",
  "m.created_at",
  "m.edited_at",
  "m.rev",
  "m.deleted_at",
  "m.thread_id",
  "m.in_room",
  "m.reply_count",
  "m.last_reply_at",
  "m.mentions",
  "m.override_name",
] as const;

export interface NewMessage {
  roomId: number;
  senderId: number | null;
  kind: MessageKind;
  content: string;
  clientId: string | null;
  now: number;
  /** The thread's root, for a reply. */
  threadId: number | null;
  /** 0 for a reply shown only in its thread. */
  inRoom: 0 | 1;
  /** The name an incoming webhook's post asked to be shown under (migration 0023); null otherwise. */
  overrideName: string | null;
}

/**
 * Who sends, as the message shows them: read by the statement the send runs
 * anyway (`senderAccessQuery`), so the insert needs no lookup of its own.
 */
export interface SenderNames {
  senderName: string | null;
  senderDisplayName: string | null;
  /** 1 for a bot account. */
  senderIsBot: Flag;
}

/** A system message's (nobody's) names. */
export const NO_SENDER: SenderNames = Object.freeze({ senderName: null, senderDisplayName: null, senderIsBot: 0 });

/**
 * The insert, written once: run by Kysely, or prepared once by the SQLite
 * accelerator (queries/write.ts). It also reserves the log position its
 * `message.created` will take (`nextEventId`) and stores it in `event_id`,
 * so linking a message to its event is part of this one statement (a delete
 * rewrites that payload); the event is then appended at exactly that
 * position (`WriteTx.appendEvent`).
 */
export const insertMessageQuery = (db: Db, a: Args<NewMessage>) =>
  db
    .insertInto("messages")
    .values({
      room_id: a.roomId,
      sender_id: a.senderId,
      kind: a.kind,
      content: a.content,
      client_id: a.clientId,
      created_at: a.now,
      edited_at: sql.lit(null),
      thread_id: a.threadId,
      in_room: a.inRoom,
      override_name: a.overrideName,
      event_id: nextEventId(db),
    })
    .returning(["id", "event_id"]);

/**
 * The row an insert wrote, as `findMessage` reads it: what it was given and
 * the table's defaults for the rest. Built here rather than returned by the
 * insert: on the hottest statement of the server, marshalling fourteen
 * columns back costs more than building them.
 */
export function insertedRow(id: number, m: NewMessage, sender: SenderNames, eventId: number): InsertedMessage {
  return {
    id,
    room_id: m.roomId,
    sender_id: m.senderId,
    sender_name: sender.senderName,
    sender_display_name: sender.senderDisplayName,
    sender_is_bot: sender.senderIsBot,
    kind: m.kind,
    content: m.content,
    client_id: m.clientId,
    created_at: m.now,
    edited_at: null,
    rev: 1,
    deleted_at: null,
    thread_id: m.threadId,
    in_room: m.inRoom,
    reply_count: 0,
    last_reply_at: null,
    event_id: eventId,
    mentions: null,
    override_name: m.overrideName,
  };
}

/**
 * The id the next event appended in this write transaction will get, taken
 * now. Appenders are serialised (one writer on SQLite, the event-log lock on
 * PostgreSQL, see `lockEventLog`), so it is the next position: on SQLite
 * what AUTOINCREMENT would choose (one past the largest id the log ever had,
 * as `sqlite_sequence` keeps it); on PostgreSQL drawn from the log's own
 * sequence. An event appended at that position by anyone else first makes
 * the reserved append fail on the primary key: never a silent mislink.
 */
function nextEventId(db: Db) {
  return isPostgres(db)
    ? sql<number>`nextval(pg_get_serial_sequence('events', 'id'))`
    : sql<number>`(max(coalesce((select max(id) from events), 0), coalesce((select seq from sqlite_sequence where name = 'events'), 0)) + 1)`;
}

export function findMessage(db: Db, id: number) {
  return db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.sender_id")
    .select(messageColumns)
    .where("m.id", "=", id)
    .executeTakeFirst();
}

/** The idempotency lookup of the send path, written once (see `insertMessageQuery`). */
export const findByClientIdQuery = (db: Db, a: Args<{ senderId: number; clientId: string }>) =>
  db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.sender_id")
    .select(messageColumns)
    .where("m.sender_id", "=", a.senderId)
    .where("m.client_id", "=", a.clientId);

export function findMessageByClientId(db: Db, senderId: number, clientId: string) {
  return findByClientIdQuery(db, { senderId, clientId }).executeTakeFirst();
}

export type MessageWithSender = NonNullable<Awaited<ReturnType<typeof findMessage>>>;

/** A message as inserted, with the log position reserved for its `message.created` (its `event_id`). */
export type InsertedMessage = MessageWithSender & { event_id: number };

/**
 * What a page of history tells its presentation (api `presentMessages`)
 * beyond the message itself: whether it has reactions or files at all (one
 * probe each on a primary key that starts with message_id) and whether its
 * sender is deactivated. A page without reactions or files then runs no
 * further query for them: those reads, built and compiled by Kysely per
 * page, had made `messages.list` half again as slow.
 */
export type PageHints = Omit<Awaited<ReturnType<typeof listMessages>>["rows"][number], keyof MessageWithSender>;

/**
 * One page of a room's timeline (roots, unthreaded messages and replies also
 * sent to the room), or of one thread's replies, newest first from the
 * database, returned oldest→newest. Keyset pagination on the message id:
 * stable under inserts.
 */
export async function listMessages(
  db: Db,
  q: { roomId: number; threadId?: number | null; before: number | null; limit: number; after?: number | null | undefined },
) {
  let query = db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.sender_id")
    .select(messageColumns)
    .select((eb) => [
      eb.case().when(eb.exists(eb.selectFrom("reactions as hr").select("hr.message_id").whereRef("hr.message_id", "=", "m.id"))).then(1).else(0).end().as("has_reactions"),
      eb.case().when(eb.exists(eb.selectFrom("message_attachments as ha").select("ha.message_id").whereRef("ha.message_id", "=", "m.id"))).then(1).else(0).end().as("has_files"),
      "u.deactivated_at as sender_deactivated_at",
    ])
    .where("m.room_id", "=", q.roomId);
  query = q.threadId ? query.where("m.thread_id", "=", q.threadId) : query.where("m.in_room", "=", 1);
  // Paging forward (issue 15): the oldest messages after `after`.
  const forward = q.after !== undefined && q.after !== null;
  if (forward) query = query.where("m.id", ">", q.after ?? 0);
  if (q.before !== null) query = query.where("m.id", "<", q.before);
  const rows = await query.orderBy("m.id", forward ? "asc" : "desc").limit(q.limit + 1).execute();
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  if (!forward) page.reverse();
  return { rows: page, hasMore };
}
