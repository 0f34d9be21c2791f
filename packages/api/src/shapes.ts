import type { MessageWithSender, RoomRow, UserRow } from "@parley/db";

/** Rows become API shapes here, once per domain, so every procedure and event agrees. */

export interface User {
  id: number;
  username: string;
  email: string;
  createdAt: number;
}

export interface Room {
  id: number;
  name: string;
  description: string;
  isPrivate: boolean;
  createdBy: number;
  createdAt: number;
}

export interface Message {
  id: number;
  roomId: number;
  kind: "text" | "system";
  content: string;
  sender: { id: number; username: string } | null;
  clientId: string | null;
  createdAt: number;
  editedAt: number | null;
}

export interface Member {
  userId: number;
  username: string;
  isAdmin: boolean;
  joinedAt: number;
}

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
