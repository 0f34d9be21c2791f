import type SQLite from "better-sqlite3";
import type { Kysely, Transaction } from "kysely";
import type { Database, EventRow, MessageKind, NewEvent } from "../schema.ts";
import { insertEvent, lockEventLog } from "./events.ts";
import { findMessageByClientId, insertMessage, type MessageWithSender } from "./messages.ts";

/** What a sender may do in a room, read inside the write transaction. */
export interface SenderAccess {
  is_private: number;
  deleted_at: number | null;
  /** 1 if the sender is a member. */
  is_member: number;
}

export interface NewChatMessage {
  roomId: number;
  senderId: number;
  senderName: string;
  kind: MessageKind;
  content: string;
  clientId: string | null;
  now: number;
}

type Awaitable<T> = T | Promise<T>;

/**
 * The reads and writes of the message-send path, all inside one write
 * transaction held by the caller. It is the hottest path of the server, so
 * SQLite gets its own implementation over prepared statements (no query
 * building, no promise per statement); PostgreSQL uses the Kysely queries.
 * Both return the same row shapes, typed from the schema.
 */
export interface SendTx {
  senderAccess(roomId: number, userId: number): Awaitable<SenderAccess | undefined>;
  findByClientId(senderId: number, clientId: string): Awaitable<MessageWithSender | undefined>;
  insertMessage(m: NewChatMessage): Awaitable<MessageWithSender>;
  insertEvent(e: NewEvent): Awaitable<number>;
}

const eventRow = (id: number, e: NewEvent): EventRow => ({
  id,
  type: e.type,
  scope: e.scope,
  room_id: e.room_id ?? null,
  user_id: e.user_id ?? null,
  payload: e.payload,
  created_at: e.created_at,
});

/**
 * Runs `fn` in one write transaction and commits, or rolls back if it throws.
 * On PostgreSQL the event-log lock is taken first (see `lockEventLog`).
 *
 * `onCommit` then gets the event rows the transaction appended. On SQLite
 * that is right after COMMIT, before the connection is released, so no other
 * write can have committed in between and the hub can deliver them without
 * reading them back (see `EventHub.committed`).
 */
export type SendTransaction = <T>(fn: (tx: SendTx) => Promise<T>, onCommit?: (events: EventRow[]) => void) => Promise<T>;

export function kyselySendTransaction(db: Kysely<Database>): SendTransaction {
  return async (fn, onCommit) => {
    const appended: EventRow[] = [];
    const result = await db.transaction().execute(async (trx) => {
      await lockEventLog(trx);
      return fn(kyselySendTx(trx, appended));
    });
    if (onCommit && appended.length > 0) onCommit(appended);
    return result;
  };
}

function kyselySendTx(trx: Transaction<Database>, appended: EventRow[]): SendTx {
  return {
    senderAccess: (roomId, userId) =>
      trx
        .selectFrom("rooms as r")
        .leftJoin("room_members as m", (j) => j.onRef("m.room_id", "=", "r.id").on("m.user_id", "=", userId))
        .select(["r.is_private", "r.deleted_at"])
        .select((eb) => eb.case().when("m.user_id", "is not", null).then(1).else(0).end().as("is_member"))
        .where("r.id", "=", roomId)
        .executeTakeFirst(),
    findByClientId: (senderId, clientId) => findMessageByClientId(trx, senderId, clientId),
    insertMessage: (m) => insertMessage(trx, m),
    async insertEvent(e) {
      const id = await insertEvent(trx, e);
      appended.push(eventRow(id, e));
      return id;
    },
  };
}

/**
 * The SQLite `SendTx`: statements prepared once on the raw handle. Callers
 * must hold the database's only connection (see `exclusive` in connect.ts):
 * better-sqlite3 is synchronous, so nothing else runs between statements.
 */
export function sqliteSendTx(raw: SQLite.Database): SendTx & { appended: EventRow[] } {
  const appended: EventRow[] = [];
  const access = raw.prepare<[number, number], SenderAccess>(
    `select r.is_private, r.deleted_at, case when m.user_id is null then 0 else 1 end as is_member
       from rooms r left join room_members m on m.room_id = r.id and m.user_id = ?
      where r.id = ?`,
  );
  const byClientId = raw.prepare<[number, string], MessageWithSender>(
    `select m.id, m.room_id, m.sender_id, u.username as sender_name, m.kind, m.content, m.client_id, m.created_at, m.edited_at
       from messages m left join users u on u.id = m.sender_id
      where m.sender_id = ? and m.client_id = ?`,
  );
  const insMessage = raw.prepare<[number, number, MessageKind, string, string | null, number], { id: number }>(
    "insert into messages (room_id, sender_id, kind, content, client_id, created_at, edited_at) values (?, ?, ?, ?, ?, ?, null) returning id",
  );
  const insEvent = raw.prepare<[string, string, number | null, number | null, string, number], { id: number }>(
    "insert into events (type, scope, room_id, user_id, payload, created_at) values (?, ?, ?, ?, ?, ?) returning id",
  );
  return {
    /** The event rows written since the caller last emptied it. */
    appended,
    senderAccess: (roomId, userId) => access.get(userId, roomId),
    findByClientId: (senderId, clientId) => byClientId.get(senderId, clientId),
    insertMessage(m) {
      const row = insMessage.get(m.roomId, m.senderId, m.kind, m.content, m.clientId, m.now);
      if (!row) throw new Error("insert into messages returned no row");
      return {
        id: row.id,
        room_id: m.roomId,
        sender_id: m.senderId,
        sender_name: m.senderName,
        kind: m.kind,
        content: m.content,
        client_id: m.clientId,
        created_at: m.now,
        edited_at: null,
      };
    },
    insertEvent(e) {
      const row = insEvent.get(e.type, e.scope, e.room_id ?? null, e.user_id ?? null, e.payload, e.created_at);
      if (!row) throw new Error("insert into events returned no row");
      appended.push(eventRow(row.id, e));
      return row.id;
    },
  };
}
