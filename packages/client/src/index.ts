export { type MessageContext, type MessageFilter, type MessageHandler, onMessage } from "./bot.ts";
export { createParleyClient } from "./client.ts";
export { errorCode, isPermanent, ParleyClosedError, SendFailedError } from "./errors.ts";
export { type UploadBody, type UploadedFile, UploadError, type UploadOptions } from "./files.ts";
export { login, register, wsUrl } from "./http.ts";
export * as messageChanges from "./message-changes.ts";
export { listAllRooms } from "./rooms.ts";
export { createRoomState, type RoomSnapshot, type RoomState, type RoomStateOptions } from "./room-state.ts";
export { createUnreadState, NO_UNREAD, type RoomUnread, type ThreadUnread, type UnreadSnapshot, type UnreadState } from "./unread.ts";
export { localStorageOutbox, memoryOutbox, type OutboxStorage } from "./storage.ts";
export type { Readable } from "./store.ts";
export type {
  AppRouter,
  AroundPage,
  AttachmentSource,
  AuthResult,
  ConnectionState,
  ConnectionStatus,
  Credentials,
  DmRoom,
  EventOf,
  HealthProbeTimings,
  KeepAliveOptions,
  Logger,
  Message,
  Outbox,
  OutboxAction,
  OutboxActions,
  OutboxItem,
  OutboxStatus,
  ParleyApi,
  ParleyClient,
  ParleyClientOptions,
  ParleyEvents,
  ReactionState,
  ReconnectOptions,
  SearchHit,
  SearchOptions,
  SearchPage,
  Sender,
  StreamEvent,
  StreamEventType,
  Tokens,
  User,
} from "./types.ts";
