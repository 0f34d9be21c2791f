import type { Kysely } from "kysely";
import type { Database, MessageKind } from "../schema.ts";

type Db = Kysely<Database>;

const messageColumns = [
  "m.id",
  "m.room_id",
  "m.sender_id",
  "u.username as sender_name",
  "m.kind",
  "m.content",
  "m.client_id",
  "m.created_at",
  "m.edited_at",
] as const;

/**
 * Inserts a message and returns it as `findMessage` would. With the
 * sender's name given (or no sender) that is one statement, not an insert
 * and a read-back: `messages.send` is the hot path.
 */
export async function insertMessage(
  db: Db,
  m: {
    roomId: number;
    senderId: number | null;
    senderName?: string | undefined;
    kind: MessageKind;
    content: string;
    clientId: string | null;
    now: number;
  },
) {
  const row = await db
    .insertInto("messages")
    .values({
      room_id: m.roomId,
      sender_id: m.senderId,
      kind: m.kind,
      content: m.content,
      client_id: m.clientId,
      created_at: m.now,
      edited_at: null,
    })
    .returning(["id", "room_id", "sender_id", "kind", "content", "client_id", "created_at", "edited_at"])
    .executeTakeFirstOrThrow();
  if (m.senderId === null || m.senderName !== undefined) {
    const withSender: MessageWithSender = { ...row, sender_name: m.senderName ?? null };
    return withSender;
  }
  const found = await findMessage(db, Number(row.id));
  if (!found) throw new Error(`message ${row.id} vanished after insert`);
  return found;
}

export function findMessage(db: Db, id: number) {
  return db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.sender_id")
    .select(messageColumns)
    .where("m.id", "=", id)
    .executeTakeFirst();
}

export function findMessageByClientId(db: Db, senderId: number, clientId: string) {
  return db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.sender_id")
    .select(messageColumns)
    .where("m.sender_id", "=", senderId)
    .where("m.client_id", "=", clientId)
    .executeTakeFirst();
}

export type MessageWithSender = NonNullable<Awaited<ReturnType<typeof findMessage>>>;

/**
 * One page of a room's history, newest first from the database, returned
 * oldest→newest. Keyset pagination on the message id: stable under inserts.
 */
export async function listMessages(db: Db, q: { roomId: number; before: number | null; limit: number }) {
  let query = db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.sender_id")
    .select(messageColumns)
    .where("m.room_id", "=", q.roomId);
  if (q.before !== null) query = query.where("m.id", "<", q.before);
  const rows = await query.orderBy("m.id", "desc").limit(q.limit + 1).execute();
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  page.reverse();
  return { rows: page, hasMore };
}
