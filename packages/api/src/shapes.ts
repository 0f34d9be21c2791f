import type { MessageWithSender, RoomRow, UserRow } from "@parley/db";
import { z } from "zod";

/** Rows become API shapes here, once per domain, so every procedure and event agrees. */

const id = z.number().int();

/** The API's shapes: their zod schemas validate stored event bodies (events.ts), and their types are inferred from them. */
export const userShape = z.object({ id, username: z.string(), email: z.string(), createdAt: z.number() });

export const roomShape = z.object({
  id,
  name: z.string(),
  description: z.string(),
  isPrivate: z.boolean(),
  createdBy: id,
  createdAt: z.number(),
});

export const messageShape = z.object({
  id,
  roomId: id,
  kind: z.enum(["text", "system"]),
  content: z.string(),
  sender: z.object({ id, username: z.string() }).nullable(),
  clientId: z.string().nullable(),
  createdAt: z.number(),
  editedAt: z.number().nullable(),
});

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
});

export const toRoom = (r: RoomRow): Room => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  isPrivate: Number(r.is_private) === 1,
  createdBy: Number(r.created_by),
  createdAt: Number(r.created_at),
});

export const toMessage = (m: MessageWithSender): Message => ({
  id: Number(m.id),
  roomId: Number(m.room_id),
  kind: m.kind,
  content: m.content,
  sender: m.sender_id === null ? null : { id: Number(m.sender_id), username: m.sender_name ?? "(deleted)" },
  clientId: m.client_id,
  createdAt: Number(m.created_at),
  editedAt: m.edited_at === null ? null : Number(m.edited_at),
});
