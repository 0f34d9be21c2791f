import { z } from "zod";

/**
 * Parley's export format (version 1): a directory of NDJSON files, one
 * record per line, plus `manifest.json` and `files/` (the uploads). Users
 * carry no secrets (no password hash, no sessions or tokens). The same
 * schemas validate an import, so a hand-edited or damaged file is refused
 * with the line that is wrong, never half-read.
 */

export const EXPORT_FORMAT = "parley-export";
export const EXPORT_VERSION = 1;

const id = z.number().int().positive();
const ms = z.number().int().nonnegative();

export const manifestSchema = z.object({ format: z.literal(EXPORT_FORMAT), version: z.literal(EXPORT_VERSION), exportedAt: ms });

export const userRecord = z.object({
  id,
  username: z.string().min(1).max(64),
  email: z.string().max(254),
  role: z.enum(["admin", "member"]),
  createdAt: ms,
  deactivatedAt: ms.nullable(),
});
export const roomRecord = z.object({
  id,
  name: z.string().max(200),
  description: z.string().max(2000),
  isPrivate: z.boolean(),
  kind: z.enum(["channel", "dm"]),
  dmKey: z.string().nullable(),
  createdBy: id,
  createdAt: ms,
  deletedAt: ms.nullable(),
  slowModeSeconds: z.number().int().nonnegative(),
});
export const memberRecord = z.object({ roomId: id, userId: id, isAdmin: z.boolean(), joinedAt: ms });
export const revisionRecord = z.object({ rev: z.number().int().positive(), content: z.string(), createdAt: ms, replacedAt: ms });
export const messageRecord = z.object({
  id,
  roomId: id,
  senderId: id.nullable(),
  kind: z.enum(["text", "system"]),
  content: z.string(),
  clientId: z.string().nullable(),
  createdAt: ms,
  editedAt: ms.nullable(),
  rev: z.number().int().positive(),
  deletedAt: ms.nullable(),
  threadId: id.nullable(),
  inRoom: z.boolean(),
  /** Earlier versions, oldest first (the edits). */
  revisions: z.array(revisionRecord),
});
export const reactionRecord = z.object({ messageId: id, emoji: z.string().min(1).max(80), userId: id, createdAt: ms });
export const threadRecord = z.object({
  rootId: id,
  replyCount: z.number().int().nonnegative(),
  lastReplyAt: ms.nullable(),
  participants: z.array(z.object({ userId: id, firstAt: ms })),
});
/** Attachments: uploads (issue 16) are not in this schema yet; the files directory is copied whole. */
export const attachmentRecord = z.object({ path: z.string().min(1), size: z.number().int().nonnegative() });

export type UserRecord = z.infer<typeof userRecord>;
export type RoomRecord = z.infer<typeof roomRecord>;
export type MessageRecord = z.infer<typeof messageRecord>;

/** The files of an export, in the order an import must read them (references point backwards). */
export const FILES = {
  users: userRecord,
  rooms: roomRecord,
  members: memberRecord,
  messages: messageRecord,
  reactions: reactionRecord,
  threads: threadRecord,
  attachments: attachmentRecord,
} as const;
export type FileName = keyof typeof FILES;
