import type { Message, RouterOutputs, StreamEvent, User } from "@parley/api";

export type { Message, StreamEvent, User };
export type RoomItem = RouterOutputs["rooms"]["list"][number];
export type MemberItem = RouterOutputs["rooms"]["members"][number];
export type OnlineUser = RouterOutputs["users"]["online"][number];

export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "offline" | "unauthenticated" | "closed";

export interface ConnectionView {
  status: ConnectionStatus;
  attempt: number;
  /** Epoch ms of the next reconnect attempt, when one is scheduled. */
  nextRetryAt: number | null;
}

/** A message the client has not had acknowledged yet. */
export interface OutgoingView {
  clientId: string;
  roomId: number;
  content: string;
  status: "pending" | "failed";
  error: string | null;
  createdAt: number;
}
