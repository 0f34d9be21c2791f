export { type MessageContext, type MessageFilter, type MessageHandler, onMessage } from "./bot.ts";
export { createParleyClient } from "./client.ts";
export { errorCode, isPermanent, ParleyClosedError, SendFailedError } from "./errors.ts";
export { login, register, wsUrl } from "./http.ts";
export * as messageChanges from "./message-changes.ts";
export { listAllRooms } from "./rooms.ts";
export { createRoomState, type RoomSnapshot, type RoomState, type RoomStateOptions } from "./room-state.ts";
export { localStorageOutbox, memoryOutbox, type OutboxStorage } from "./storage.ts";
export type { Readable } from "./store.ts";
export type {
  AppRouter,
  AuthResult,
  ConnectionState,
  ConnectionStatus,
  Credentials,
  DmRoom,
  EventOf,
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
  StreamEvent,
  StreamEventType,
  Tokens,
  User,
} from "./types.ts";
