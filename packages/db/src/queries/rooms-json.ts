import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.ts";
import { roomsPageQuery } from "./rooms.ts";

type Db = Kysely<Database>;

/**
 * SQLite only: the page `listRoomsForUser` reads (its very query, `roomsPageQuery`), with what `rooms.list`
 * makes of each row (api domain/rooms.ts `listRoomItems`, read-state.ts
 * `toAttention`, dms.ts `withDmMembers`), built by SQLite as the JSON text
 * of the reply: the same items, keys in the same order.
 *
 * Why: for a user in 500 rooms, reading 17 values a row out of SQLite into
 * objects, mapping them to items and stringifying the reply was most of the
 * call (2.9 + 0.7 + 1.2 ms of a 9.5 ms p50, issue 14); SQLite building the
 * text is 2.7 ms for all of it, and the reply carries it as it is (api
 * pre-encoded.ts). The object path stays the reference and PostgreSQL's:
 * rooms-json.test.ts (api) holds the two equal, room state by room state.
 */
export async function listRoomsJson(db: Db, userId: number, page: { after: number; limit: number }): Promise<string> {
  // json('true') is a constant, evaluated once per statement; json(iif(…)) parsed a value on every row.
  const bool = (x: ReturnType<typeof sql>) => sql`iif(${x}, json('true'), json('false'))`;
  // One item's keys and values, written once and used for both kinds of room below.
  const item = sql`json_object(
    'id', id, 'name', name, 'description', description, 'isPrivate', ${bool(sql`is_private = 1`)},
    'createdBy', created_by, 'createdAt', created_at, 'kind', kind, 'slowModeSeconds', coalesce(slow_mode_seconds, 0),
    'isMember', ${bool(sql`member`)}, 'isAdmin', ${bool(sql`is_admin = 1`)}, 'memberCount', member_count,
    'lastReadId', last_read_id, 'unreadCount', unread, 'mentionCount', mention,
    'notifyLevel', coalesce(notify_level, 'mentions'), 'muted', ${bool(sql`muted = 1`)}, 'badgeCount', iif(muted = 1, mention, unread)
  )`;
  // A DM's members, in id order, so clients can name it; channels have no `members` key at all.
  const members = sql`(select json_group_array(json_object('id', u.id, 'username', u.username) order by u.id)
    from room_members dm join users u on u.id = dm.user_id where dm.room_id = p.id)`;
  const r = await sql<{ page: string }>`
    select json_group_array(iif(kind = 'dm', json_set(${item}, '$.members', json(${members})), ${item}) order by id) as page
    from (
      select *, iif(kind = 'dm', unread, member_mentions) as mention from (
        -- A room the user is not in has all of its member columns null (last_read_id is NOT NULL in the table):
        -- no marker, nothing unread (toAttention's NOT_A_MEMBER).
        select *, last_read_id is not null as member,
          iif(last_read_id is null, 0, max(0, timeline_count - read_count)) as unread,
          iif(last_read_id is null, 0, coalesce(mention_count, 0)) as member_mentions
        from ${roomsPageQuery(db, userId, page)}
      )
    ) as p`.execute(db);
  return r.rows[0]?.page ?? "[]";
}
