import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Messages written before 0006 do not know where their `message.created` is
 * in the log, and a delete must rewrite that payload (it finds it through
 * `messages.event_id`, never by scanning the log). This fills it in once,
 * in one statement that reads the log once: each `message.created` names its
 * message in `payload.message.id` (in every stored version of the body).
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const messageId =
    dialect === "postgres" ? sql`((e.payload::json)->'message'->>'id')::bigint` : sql`json_extract(e.payload, '$.message.id')`;
  await sql`
    update messages set event_id = c.id
    from (select e.id, ${messageId} as message_id from events e where e.type = 'message.created') as c
    where messages.id = c.message_id and messages.event_id is null
  `.execute(db);
}
