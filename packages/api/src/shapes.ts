import type { FileRow, MessageWithSender, RoomRow, UserRow } from "@parley/db";
import { z } from "zod";

/** Rows become API shapes here, once per domain, so every procedure and event agrees. */

const id = z.number().int();

/** The API's shapes: their zod schemas validate stored event bodies (events.ts), and their types are inferred from them. */
export const userShape = z.object({
  id,
  username: z.string(),
  email: z.string(),
  createdAt: z.number(),
  /** Issue 13: shown instead of the username when set. */
  displayName: z.string().nullable(),
  statusText: z.string(),
  /** A bot account (issue 17): shown with a BOT badge, never signs in with a password. */
  isBot: z.boolean(),
  /** `role`: "admin" for a server admin (issue 18). */
  role: z.enum(["admin", "member"]).optional(),
  /** The avatar's path on the server (a square WebP, issue 16), fetched with the Bearer token; null: none. */
  avatarUrl: z.string().nullable(),
});

/** What anyone may know of a person (no e-mail): profile cards and `user.updated` events. */
export const profileShape = userShape.pick({ id: true, username: true, displayName: true, statusText: true, isBot: true, avatarUrl: true });

/** Where an avatar is served (any signed-in user may fetch it): a new path for each new avatar, so caches never go stale. */
export const avatarUrl = (avatarId: string | null | undefined): string | null => (avatarId ? `/files/avatars/${avatarId}` : null);
export type Profile = z.infer<typeof profileShape>;

export const roomShape = z.object({
  id,
  name: z.string(),
  description: z.string(),
  isPrivate: z.boolean(),
  createdBy: id,
  createdAt: z.number(),
  /** A DM has fixed members and no name of its own (clients name it by its members). */
  kind: z.enum(["channel", "dm"]),
  /** Seconds a member waits between messages (0: off); absent in events written before issue 18. */
  slowModeSeconds: z.number().int().optional(),
});

/** A file shown by a message. `url` and `thumbUrl` are paths on the server (thumbUrl null: no preview). */
export const attachmentShape = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  url: z.string(),
  thumbUrl: z.string().nullable(),
});
export type Attachment = z.infer<typeof attachmentShape>;

/**
 * A message's author line. `displayName` (issue 13; null: show the username)
 * and `isBot` are the account's at the time of reading (history) or of
 * sending (events; `user.updated` tells later changes). `overrideName`: the
 * name an incoming webhook's post asked for (Slack's `username`), shown as
 * "<overrideName> via webhook" next to the webhook's bot; null otherwise.
 * `deactivated`: the account was deactivated by a server admin (set in
 * history; absent otherwise). Events stored before version 4 of
 * `message.created` (3 of updated/deleted) read as displayName null,
 * isBot false, overrideName null.
 */
export const senderShape = z.object({
  id,
  username: z.string(),
  displayName: z.string().nullable(),
  isBot: z.boolean(),
  overrideName: z.string().nullable(),
  deactivated: z.boolean().optional(),
});
export type Sender = z.infer<typeof senderShape>;

export const messageShape = z.object({
  id,
  roomId: id,
  kind: z.enum(["text", "system"]),
  content: z.string(),
  /** Who sent it (null: a system message); see `senderShape`. */
  sender: senderShape.nullable(),
  clientId: z.string().nullable(),
  createdAt: z.number(),
  editedAt: z.number().nullable(),
  /** 1 at creation, +1 per edit. */
  rev: z.number().int(),
  /** Set on a tombstone: its content is empty and it has no reactions. */
  deletedAt: z.number().nullable(),
  /** The root of the thread this message replies in. */
  threadId: id.nullable(),
  /** A reply also shown in the room's timeline. */
  alsoToRoom: z.boolean(),
  /**
   * Emoji in order of first reaction; `userIds` are the first ten. `me` is
   * the caller's own reaction in history; in stream events it is false and
   * clients keep what they knew, changed by `reaction.added`/`removed` events
   * whose `userId` is theirs (the client library does this).
   */
  reactions: z.array(z.object({ emoji: z.string(), count: z.number().int(), me: z.boolean(), userIds: z.array(id) })),
  /** A root's thread summary; null for a message nobody replied to. */
  thread: z.object({ replyCount: z.number().int(), lastReplyAt: z.number().nullable(), participantIds: z.array(id) }).nullable(),
  /**
   * Who it mentions, resolved when written (issue 14): members named by
   * `@username`, `@room` (everyone in the room), `@here` (who was online).
   * Mentions inside code do not count.
   */
  mentions: z.object({ userIds: z.array(id), room: z.boolean(), here: z.boolean() }),
  /** Files, in order (issue 16); events stored before it have none. A tombstone has none. */
  attachments: z.array(attachmentShape).default([]),
});

export type Mentions = z.infer<typeof messageShape>["mentions"];
export const NO_MENTIONS: Mentions = Object.freeze({ userIds: [], room: false, here: false }) as Mentions;

/** The stored JSON of a message's mentions (null: none); a tombstone mentions nobody. */
function storedMentions(json: string | null, deleted: boolean): Mentions {
  if (json === null || deleted) return NO_MENTIONS;
  const parsed = messageShape.shape.mentions.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : NO_MENTIONS;
}

export type Reaction = z.infer<typeof messageShape>["reactions"][number];
export type ThreadSummary = NonNullable<z.infer<typeof messageShape>["thread"]>;

export const memberShape = z.object({ userId: id, username: z.string(), isAdmin: z.boolean(), joinedAt: z.number() });

export type User = z.infer<typeof userShape>;
export type Room = z.infer<typeof roomShape>;
export type Message = z.infer<typeof messageShape>;
export type Member = z.infer<typeof memberShape>;

export const toUser = (u: UserRow): User => ({
  id: Number(u.id),
  username: u.username,
  email: u.email,
  createdAt: Number(u.created_at),
  displayName: u.display_name ?? null,
  statusText: u.status_text ?? "",
  isBot: Number(u.is_bot) === 1,
  role: u.role,
  avatarUrl: avatarUrl(u.avatar_id),
});

export const toProfile = (u: UserRow): Profile => ({
  id: Number(u.id),
  username: u.username,
  displayName: u.display_name ?? null,
  statusText: u.status_text ?? "",
  isBot: Number(u.is_bot) === 1,
  avatarUrl: avatarUrl(u.avatar_id),
});

/** Reads only a room's own columns, so a joined row (`listRoomsForUser`) maps as it is, without a copy. */
export const toRoom = (r: Pick<RoomRow, "id" | "name" | "description" | "is_private" | "created_by" | "created_at" | "kind" | "slow_mode_seconds">): Room => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  isPrivate: Number(r.is_private) === 1,
  createdBy: Number(r.created_by),
  createdAt: Number(r.created_at),
  kind: r.kind,
  slowModeSeconds: Number(r.slow_mode_seconds ?? 0),
});

/** A message row as the API shows it; reactions and thread participants are read per page (domain/messages.ts). */
export const toMessage = (m: MessageWithSender, reactions: Reaction[] = [], participantIds: number[] = [], attachments: Attachment[] = []): Message => ({
  id: Number(m.id),
  roomId: Number(m.room_id),
  kind: m.kind,
  content: m.content,
  sender:
    m.sender_id === null
      ? null
      : {
          id: Number(m.sender_id),
          username: m.sender_name ?? "(deleted)",
          displayName: m.sender_display_name ?? null,
          isBot: Number(m.sender_is_bot) === 1,
          overrideName: m.override_name ?? null,
        },
  clientId: m.client_id,
  createdAt: Number(m.created_at),
  editedAt: m.edited_at === null ? null : Number(m.edited_at),
  rev: Number(m.rev),
  deletedAt: m.deleted_at === null ? null : Number(m.deleted_at),
  threadId: m.thread_id === null ? null : Number(m.thread_id),
  alsoToRoom: m.thread_id !== null && Number(m.in_room) === 1,
  reactions: m.deleted_at === null ? reactions : [],
  thread:
    Number(m.reply_count) > 0
      ? { replyCount: Number(m.reply_count), lastReplyAt: m.last_reply_at === null ? null : Number(m.last_reply_at), participantIds }
      : null,
  mentions: storedMentions(m.mentions, m.deleted_at !== null),
  attachments: m.deleted_at === null ? attachments : [],
});

/** Image types a browser can show that the server thumbnails (never SVG: it is a document). */
export const THUMBNAILED_TYPES: ReadonlySet<string> = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"]);

/** A file row as a message shows it. */
export const toAttachment = (f: FileRow): Attachment => ({
  id: f.id,
  name: f.name,
  size: Number(f.size),
  contentType: f.content_type,
  width: f.width === null ? null : Number(f.width),
  height: f.height === null ? null : Number(f.height),
  url: `/files/${f.id}/${encodeURIComponent(f.name)}`,
  thumbUrl: THUMBNAILED_TYPES.has(f.content_type) ? `/files/${f.id}/thumb?size=320` : null,
});

/** An earlier version of an edited message (`messages.revisions`): written at `createdAt`, replaced by the next at `replacedAt`. */
export const revisionShape = z.object({ rev: z.number().int(), content: z.string(), createdAt: z.number(), replacedAt: z.number() });
export type Revision = z.infer<typeof revisionShape>;

export const toRevision = (r: { rev: number; content: string; created_at: number; replaced_at: number }): Revision => ({
  rev: Number(r.rev),
  content: r.content,
  createdAt: Number(r.created_at),
  replacedAt: Number(r.replaced_at),
});
