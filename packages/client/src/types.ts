import type { UploadBody, UploadedFile, UploadOptions } from "./files.ts";
import type { AppRouter, DmRoom, Message, RouterOutputs, Sender, StreamEvent, StreamEventType, User } from "@parley/api";
import type { TRPCClient } from "@trpc/client";
import type { OutboxStorage } from "./storage.ts";
import type { Readable } from "./store.ts";

/**
 * `Sender`: a message's author line — `displayName` (null: show the
 * username), `isBot`, and `overrideName`, the name an incoming webhook's post
 * asked for (show it as "<overrideName> via webhook").
 */
export type { AppRouter, DmRoom, Message, Sender, StreamEvent, StreamEventType, User };

/** What `login`/`register` return. */
export type AuthResult = RouterOutputs["auth"]["login"];

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds (server clock). */
  accessTokenExpiresAt: number;
}

export type Credentials =
  | { username: string; password: string }
  | { accessToken: string; refreshToken: string; accessTokenExpiresAt?: number };

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "offline" | "unauthenticated" | "closed";

export interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnect attempt under way (0 = first retry after a drop). */
  attempt?: number;
  /** Epoch ms of the next connection attempt, while waiting for it. */
  nextRetryAt?: number;
  /** Stream position of the last durable event delivered; persist it to resume after a reload. */
  lastEventId: number | null;
  /** While catching up after a resume: how many ms the newest delivered message lags the local clock. */
  behind?: number;
  /** Why the last connection attempt failed, if it did. */
  error?: string;
}

export type EventOf<T extends StreamEventType> = Extract<StreamEvent, { type: T }>;

import type { MessageFilter, MessageHandler } from "./bot.ts";

export interface ParleyEvents {
  /**
   * Listens to events of one type (or `"*"` for all). With `roomId`, events of
   * other rooms are skipped; events without a room (presence, ready, resync)
   * always arrive. Durable events arrive once each, in stream order.
   * `resync` means: what was missed could not be replayed — refetch history.
   */
  on<T extends StreamEventType>(type: T, handler: (event: EventOf<T>) => void, opts?: { roomId?: number }): () => void;
  on(type: "*", handler: (event: StreamEvent) => void, opts?: { roomId?: number }): () => void;
}

export type OutboxStatus = "pending" | "failed";

/** What `react`/`unreact` resolve with: the reaction as it now stands, and whether the call changed it. */
export type ReactionState = RouterOutputs["messages"]["react"];

/**
 * What an outbox item may ask of the server besides a send: each action's
 * input and the server's answer. Each is idempotent on the server, so
 * retrying one whose answer was lost is safe. Adding an action is an entry
 * here and its call in `actions` (client.ts).
 */
export interface OutboxActions {
  /** An edit (of version `rev`, if given): the same text again changes nothing, so a retry is harmless. */
  edit: { input: { messageId: number; content: string; rev?: number }; result: Message };
  delete: { input: { messageId: number }; result: Message };
  react: { input: { messageId: number; emoji: string }; result: ReactionState };
  unreact: { input: { messageId: number; emoji: string }; result: ReactionState };
}
export type OutboxActionType = keyof OutboxActions;
export type OutboxActionOf<K extends OutboxActionType> = { type: K } & OutboxActions[K]["input"];
export type OutboxAction = { [K in OutboxActionType]: OutboxActionOf<K> }[OutboxActionType];
export type OutboxResult<K extends OutboxActionType> = OutboxActions[K]["result"];

export interface OutboxItem {
  clientId: string;
  /** The room a message is sent to; null for an action (those are ordered per message, not per room). */
  roomId: number | null;
  /** The text to send ("" for an action). */
  content: string;
  /** Absent for a send. */
  action?: OutboxAction;
  status: OutboxStatus;
  /** Why it failed (a tRPC error code such as FORBIDDEN, and the server's message). */
  error?: { code: string; message: string };
  createdAt: number;
  /** Who sends it; items of another user in shared storage are left alone. */
  userId?: number;
  /** A thread reply: the message it answers (see `ParleyClient.reply`). */
  threadId?: number;
  /** A thread reply also shown in the room's timeline. */
  alsoToRoom?: boolean;
  /** Files already uploaded (`upload`), shown by the message in this order. */
  attachments?: string[];
}

export interface Outbox extends Readable<readonly OutboxItem[]> {
  /** Sends a failed message again (same clientId, so never twice). A refused action is not kept to retry. */
  retry(clientId: string): Promise<Message>;
  /** Drops a failed message, or a pending one not yet on the wire. */
  discard(clientId: string): boolean;
}

export interface ReconnectOptions {
  /** First backoff step in ms (default 500). */
  baseMs?: number;
  /** Largest backoff in ms (default 30 000). */
  maxMs?: number;
}

export interface HealthProbeTimings {
  /** Mean ms between probes while disconnected (default 500, ±25 % jitter). */
  intervalMs?: number;
  /** A probe with no answer by then counts as "server down" (default 1000). */
  timeoutMs?: number;
}

export interface KeepAliveOptions {
  /** Ping after this many ms without traffic (default 20 000: under common 30–60 s proxy/NAT idle timeouts). */
  intervalMs?: number;
  /** Give the socket up if no pong in this many ms (default 10 000: slow mobile links). */
  pongTimeoutMs?: number;
}

export interface ParleyClientOptions {
  /** http(s) base URL of the server; the WebSocket URL is derived (ws(s)://host/ws). */
  url: string;
  /** How to sign in; or `token` instead. */
  credentials?: Credentials;
  /**
   * A personal access token (`parley_pat_…`, from `tokens.create`): the client uses it as is,
   * never refreshes it, and ends the session if the server refuses it (revoked, expired).
   */
  token?: string;
  /** Called with new tokens after login or refresh (persist them), and with null when the session ends. */
  onTokens?: (tokens: Tokens | null) => void;
  /**
   * Reads the tokens last saved by `onTokens` — by this client or another one sharing the session
   * (another tab, another process). Checked before each refresh: a refresh token works once, so a
   * client whose token was already rotated elsewhere takes the saved tokens instead of refreshing.
   */
  loadTokens?: () => Tokens | null | Promise<Tokens | null>;
  /**
   * Runs each token refresh under a lock shared by every client of the session (with `loadTokens`,
   * only one of them rotates the refresh token). Default: a Web Lock in browsers, none elsewhere.
   */
  refreshLock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** WebSocket implementation; default: the global one in browsers, `ws` in Node. */
  WebSocket?: typeof globalThis.WebSocket;
  /** Keeps the outbox across restarts (browser: `localStorageOutbox(key)`). */
  storage?: OutboxStorage;
  logger?: Logger;
  /** Resume the stream after this position (e.g. persisted from `connection.get().lastEventId`). */
  lastEventId?: number | null;
  reconnect?: ReconnectOptions;
  /** While disconnected, how often `/healthz` is asked whether the server is back (see `HealthProbeTimings`). */
  healthProbe?: HealthProbeTimings;
  keepAlive?: KeepAliveOptions;
  /** A send attempt that gets no answer in this many ms is retried (default 15 000). */
  sendTimeoutMs?: number;
}

export type ParleyApi = TRPCClient<AppRouter>;

/** A file to attach: an id from `upload`, or data to upload first (with the name it is shown under). */
export type AttachmentSource = string | { data: UploadBody; name?: string };

export interface ParleyClient {
  /** Every procedure, typed from the server's router, over the client's one WebSocket. */
  readonly api: ParleyApi;
  /** The signed-in user (set once `ready` resolves). */
  readonly user: User | null;
  /** Resolves once signed in and the event stream runs; rejects if sign-in fails. */
  readonly ready: Promise<void>;
  readonly connection: Readable<ConnectionState>;
  readonly events: ParleyEvents;
  /**
   * Queues a message: retried with the same clientId until stored; resolves with the stored message.
   * `attachments` are file ids from `upload`, or files to upload first: they are uploaded, then the
   * message goes through the outbox with their ids, so it is stored (and attaches them) exactly once.
   */
  send(roomId: number, content: string, opts?: { attachments?: readonly AttachmentSource[] }): Promise<Message>;
  /** Uploads a file (`POST /files`); attach it by sending its id. Refusals are `UploadError`s (413: too large, quota, pixels). */
  upload(data: UploadBody, opts?: UploadOptions): Promise<UploadedFile>;
  /** A file's bytes as a fetch Response (`url` from an attachment, or a file id). */
  download(fileIdOrUrl: string, opts?: { signal?: AbortSignal }): Promise<Response>;
  /**
   * Edits one's own message, through the outbox: retried until the server answers, across
   * reconnects (and restarts, with `storage`). The same text again changes nothing on the server,
   * so a retry is harmless; pass the `rev` being edited and an edit made meanwhile elsewhere
   * (another device) is not overwritten: it fails with CONFLICT. Resolves with the edited message.
   */
  edit(messageId: number, content: string, opts?: { rev?: number }): Promise<Message>;
  /** Deletes a message (one's own, or any as a room admin), through the outbox; resolves with the tombstone. */
  delete(messageId: number): Promise<Message>;
  /**
   * Adds one's reaction (one emoji, or a `:shortcode:`) to a message, through the outbox: retried
   * until the server answers, across reconnects (and restarts, with `storage`). Reacting twice
   * changes nothing, so a retry is harmless. Resolves with the reaction as it now stands.
   */
  react(messageId: number, emoji: string): Promise<ReactionState>;
  /** Takes one's reaction off a message, through the outbox, like `react` (after any `react` queued before it). */
  unreact(messageId: number, emoji: string): Promise<ReactionState>;
  /**
   * Queues a reply in the thread of message `threadId` (a reply to a reply joins its root's thread),
   * through the outbox like `send`; `alsoToRoom` shows it in the room's timeline too. `attachments`
   * as for `send`: uploaded first, then the reply is stored (and attaches them) exactly once.
   */
  reply(roomId: number, threadId: number, content: string, opts?: { alsoToRoom?: boolean; attachments?: readonly AttachmentSource[] }): Promise<Message>;
  /**
   * A bot's loop: `handler` runs once for each new message passing the filter (not the client's own),
   * with `reply`, `replyInThread` and `react` helpers (bot.ts). Returns the unsubscribe.
   */
  onMessage(filter: MessageFilter, handler: MessageHandler): () => void;
  readonly outbox: Outbox;
  /**
   * The direct-message room of the signed-in user and `userIds` (1–8 others; none: a note-to-self),
   * opened on first use; the same people always get the same room. Opening is idempotent, so a call
   * cut off by a dropped connection is asked again on the next one.
   */
  openDm(userIds: readonly number[]): Promise<DmRoom>;
  /**
   * The room's messages stored after `afterId`, oldest first, read back page by page: how to fill
   * the gap after a `resync`. At most `max` (default 1000) of the newest; `complete` is false when
   * there were more.
   */
  catchUp(roomId: number, afterId: number, max?: number): Promise<{ messages: Message[]; complete: boolean }>;
  /**
   * Connects again at once instead of waiting out the backoff (a "Reconnect now" button). A no-op
   * while connected. The stream resumes from its position and the outbox resends, as after any drop.
   */
  reconnectNow(): void;
  /**
   * One page of `messages.search` (newest first unless `sort: "relevance"`); pass `nextCursor` back as
   * `cursor` for the next. A malformed query rejects with BAD_REQUEST saying where (see `errorCode`).
   */
  search(query: string, options?: SearchOptions): Promise<SearchPage>;
  /** `messages.around`: a page of a room centred on a message (a permalink), with cursors both ways. */
  around(roomId: number, messageId: number, limit?: number): Promise<AroundPage>;
  /** Ends the session on the server, forgets the tokens, and closes the client. */
  logout(): Promise<void>;
  /** Closes the socket and stops every timer; pending sends stay in storage (if any). */
  close(): Promise<void>;
}

export type SearchPage = RouterOutputs["messages"]["search"];
export type SearchHit = SearchPage["items"][number];
export type AroundPage = RouterOutputs["messages"]["around"];
export interface SearchOptions {
  roomId?: number;
  limit?: number;
  cursor?: string | null;
  sort?: "newest" | "relevance";
}
