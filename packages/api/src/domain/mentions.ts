import {
  autoFollow,
  countMembers,
  type Database,
  deleteMentions,
  findMembership,
  insertMentions,
  type Kysely,
  memberIds,
  membersByKeys,
  mentionedIn,
  ROOM_WIDE,
  setMessageMentions,
} from "@parley/db";
import { forbidden } from "../errors.ts";
import { extractMentions } from "../markdown/mentions.ts";
import { parseMarkdown } from "../markdown/parse.ts";
import { type Mentions, NO_MENTIONS } from "../shapes.ts";
import { type EditNews, editNews } from "../notify-rule.ts";

/** `@room` in a room with more members than this needs a room admin. */
export const ROOM_MENTION_MEMBER_LIMIT = 50;

type Db = Kysely<Database>;

/**
 * Who a message mentions, resolved at write time with the shared markdown
 * parser (so nothing inside code counts): `@name` of the room's members
 * (not the sender; unknown names and non-members are plain text), `@room`
 * and `@here`. Text without an "@" is not parsed at all: most messages cost
 * nothing here. Throws FORBIDDEN, before anything is written, for `@room`
 * in a room over `ROOM_MENTION_MEMBER_LIMIT` members from a non-admin.
 */
export async function resolveMentions(db: Db, q: { roomId: number; senderId: number; content: string }): Promise<Mentions> {
  if (!q.content.includes("@")) return NO_MENTIONS;
  const found = extractMentions(parseMarkdown(q.content));
  if (found.usernames.length === 0 && !found.room && !found.here) return NO_MENTIONS;
  const byKey = new Map((await membersByKeys(db, q.roomId, found.usernames)).map((r) => [r.username_key, Number(r.id)]));
  const userIds: number[] = [];
  for (const key of found.usernames) {
    const id = byKey.get(key);
    if (id !== undefined && id !== q.senderId) userIds.push(id);
  }
  if (found.room && (await countMembers(db, q.roomId)) > ROOM_MENTION_MEMBER_LIMIT) {
    const m = await findMembership(db, q.roomId, q.senderId);
    if (Number(m?.is_admin ?? 0) !== 1) throw forbidden(`Only a room admin can mention @room in a room of more than ${ROOM_MENTION_MEMBER_LIMIT} members`);
  }
  return { userIds, room: found.room, here: found.here };
}

export const hasMentions = (m: Mentions): boolean => m.userIds.length > 0 || m.room || m.here;

/**
 * Stores a new message's mentions, after its insert: the JSON on the row,
 * and for a timeline message one `mentions` row per user (`@here`: the
 * members online now; `@room`: one row for everyone) so mention counts are
 * index ranges. A thread-only reply counts in its thread instead: the users
 * it mentions follow the thread. Returns the users mentioned by name or by
 * `@here` (whom a notification goes to).
 */
export async function recordMentions(
  db: Db,
  isOnline: (userId: number) => boolean,
  m: { roomId: number; messageId: number; senderId: number; threadRootId: number | null; inRoom: boolean; mentions: Mentions },
): Promise<number[]> {
  if (!hasMentions(m.mentions)) return [];
  await setMessageMentions(db, m.messageId, JSON.stringify(m.mentions));
  return recordRows(db, isOnline, m);
}

async function recordRows(
  db: Db,
  isOnline: (userId: number) => boolean,
  m: { roomId: number; messageId: number; senderId: number; threadRootId: number | null; inRoom: boolean; mentions: Mentions },
): Promise<number[]> {
  const users = new Set(m.mentions.userIds);
  if (m.mentions.here) for (const id of await memberIds(db, m.roomId)) if (id !== m.senderId && isOnline(id)) users.add(id);
  const ids = [...users];
  // `@room` already counts for everyone: its one row stands for every member, so no message is counted twice.
  if (m.inRoom) await insertMentions(db, m.roomId, m.messageId, m.mentions.room ? [ROOM_WIDE] : ids);
  if (m.threadRootId !== null) await autoFollow(db, { userIds: ids, rootId: m.threadRootId, roomId: m.roomId });
  return ids;
}

/**
 * An edit's mentions: the row's JSON becomes the new set; mention rows of
 * names the edit took out go, and only what it newly adds is recorded (and
 * returned, to be notified): an edit never notifies anyone twice. Newly
 * adding `@room` newly mentions every member the message did not mention
 * before (by name, or by an `@here` that counted them); once a message said
 * `@room`, an edit adds no one.
 */
export async function reviseMentions(
  db: Db,
  isOnline: (userId: number) => boolean,
  m: { roomId: number; messageId: number; senderId: number; threadRootId: number | null; inRoom: boolean; before: Mentions; after: Mentions },
): Promise<EditNews> {
  const { before, after } = m;
  // Read before the rows are rewritten: whom an `@here` counted is only in them.
  const had = new Set([...before.userIds, ...(m.inRoom && before.here ? await mentionedIn(db, m.messageId) : [])]);
  await setMessageMentions(db, m.messageId, hasMentions(after) ? JSON.stringify(after) : null);
  // The rows are rewritten whole (a handful per message); only what the edit adds is returned, to be notified.
  if (m.inRoom) await deleteMentions(db, m.messageId);
  const users = await recordRows(db, isOnline, { ...m, mentions: after });
  return editNews(before, [...had], after, users);
}
