import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/**
 * Times are epoch milliseconds and flags are 0/1 integers: better-sqlite3
 * cannot bind `Date` or booleans, and both forms work unchanged on PostgreSQL.
 */
type Millis = number;
export type Flag = 0 | 1;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** NFKC-normalised, lower-cased username: the uniqueness key. */
  username_key: string;
  email: string;
  password_hash: string;
  created_at: Millis;
  last_seen: Millis | null;
  /** Migration 0010: the name shown instead of the username (null: the username). */
  display_name: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0010: a short status ("" for none). */
  status_text: ColumnType<string, string | undefined, string>;
  /** Migration 0011: do not disturb until then (null: off). */
  dnd_until: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** 1: nobody sees this user in `messages.readBy`. */
  private_receipts: ColumnType<Flag, Flag | undefined, Flag>;
  /** Migration 0014: a bot cannot sign in with a password; its owner manages it and its tokens. */
  is_bot: ColumnType<Flag, Flag | undefined, never>;
  /** Null on a deleted bot (its row stays: its messages keep their sender). */
  bot_owner_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** Migration 0015: server role. */
  role: ColumnType<ServerRole, ServerRole | undefined, ServerRole>;
  /** Set while the account is deactivated (cannot sign in; its messages stay). */
  deactivated_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** Migration 0024: the `files` row of the user's avatar (null: none). */
  avatar_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type ServerRole = "admin" | "member";

export interface RoomsTable {
  id: Generated<number>;
  name: string;
  description: string;
  is_private: Flag;
  created_by: number;
  created_at: Millis;
  /** Rooms are soft-deleted so history and the event log stay consistent. */
  deleted_at: Millis | null;
  /** Migration 0006: a DM has fixed members and no name. */
  kind: ColumnType<RoomKind, RoomKind | undefined, never>;
  /** A DM's sorted member ids ("1,5,9"): unique, so the same people always get the same room. */
  dm_key: ColumnType<string | null, string | null | undefined, never>;
  /** Migration 0010: 1 for the room every new account joins (at most one row). */
  is_default: ColumnType<Flag, Flag | undefined, Flag>;
  /** Migration 0011: text messages in the room's timeline, bumped by each send (unread = this − a member's `read_count`). */
  timeline_count: ColumnType<number, number | undefined, number>;
  /** Members in the room (migration 0025), kept by insertMember/deleteMember. */
  member_count: ColumnType<number, number | undefined, number>;
  /** Migration 0015: seconds a member waits between messages; 0: off. */
  slow_mode_seconds: ColumnType<number, number | undefined, number>;
}

export type RoomKind = "channel" | "dm";

export interface RoomMembersTable {
  room_id: number;
  user_id: number;
  is_admin: Flag;
  joined_at: Millis;
  /** Migration 0015: muted (may read, not send) until then. */
  muted_until: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** The member's last message, kept only in slow-mode rooms. */
  last_sent_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** Migration 0011: the member's read marker (a message id; only moves back by `markUnread`). */
  last_read_id: ColumnType<number, number | undefined, number>;
  /** How many of the room's timeline messages the marker covers. */
  read_count: ColumnType<number, number | undefined, number>;
  notify_level: ColumnType<NotifyLevel, NotifyLevel | undefined, NotifyLevel>;
  muted: ColumnType<Flag, Flag | undefined, Flag>;
  /** Migration 0028: the room's `mentions` rows (the member's and the room-wide ones) after the marker; kept by queries/attention.ts. */
  mention_unread: ColumnType<number, number | undefined, number>;
}

export type NotifyLevel = "all" | "mentions" | "none";

/** A timeline message mentioning a user (user 0: `@room`, everyone in it). Migration 0011. */
export interface MentionsTable {
  user_id: number;
  room_id: number;
  message_id: number;
}

/** Who follows a thread, and their marker in it (migration 0011). */
export interface ThreadFollowsTable {
  user_id: number;
  root_id: number;
  room_id: number;
  following: ColumnType<Flag, Flag | undefined, Flag>;
  last_read_id: ColumnType<number, number | undefined, number>;
  /** How many of the thread's replies the marker covers (unread = the root's `reply_count` − this). */
  read_count: ColumnType<number, number | undefined, number>;
}

export type MessageKind = "text" | "system";

export interface MessagesTable {
  /** Global, strictly increasing: the room-order of messages and the history cursor. */
  id: Generated<number>;
  room_id: number;
  /** Null for system messages. */
  sender_id: number | null;
  kind: MessageKind;
  content: string;
  /** Client-generated idempotency key, unique per sender. */
  client_id: string | null;
  created_at: Millis;
  edited_at: Millis | null;
  /** 1 at creation, +1 per edit (migration 0006). */
  rev: ColumnType<number, number | undefined, number>;
  /** Set when deleted: the row stays as a tombstone, its content emptied. */
  deleted_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** The position of its `message.created` event, so a delete can rewrite that payload. */
  event_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The root of the thread this message replies in; null for a root or an unthreaded message. */
  thread_id: ColumnType<number | null, number | null | undefined, never>;
  /** 0 for a reply shown only in its thread; 1 for everything in the room's timeline. */
  in_room: ColumnType<Flag, Flag | undefined, never>;
  /** A root's thread summary, updated in each reply's transaction. */
  reply_count: ColumnType<number, number | undefined, number>;
  last_reply_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** Migration 0011: the resolved mentions as JSON (`{ userIds, room, here }`); null when it mentions nobody. */
  mentions: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0023: the name an incoming webhook's post asked to be shown under; null otherwise. */
  override_name: ColumnType<string | null, string | null | undefined, never>;
}

/** An earlier version of an edited message. */
export interface MessageRevisionsTable {
  id: Generated<number>;
  message_id: number;
  rev: number;
  content: string;
  /** When this version was written (the message's creation or the edit before). */
  created_at: Millis;
  replaced_at: Millis;
  /** The `message.updated` event that replaced it (a delete rewrites that payload). */
  event_id: number | null;
}

export interface ReactionsTable {
  message_id: number;
  emoji: string;
  user_id: number;
  created_at: Millis;
}

export interface ThreadParticipantsTable {
  root_id: number;
  user_id: number;
  first_at: Millis;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
}

export interface RefreshTokensTable {
  /** SHA-256 of the opaque token: a database leak does not leak live tokens. */
  token_hash: string;
  session_id: string;
  created_at: Millis;
  /**
   * Set when rotated. Presenting a used token again revokes the session,
   * except for a retry within the reuse grace period (see `replaced_by`).
   */
  used_at: Millis | null;
  /**
   * Hash of the token that replaced this one at rotation (migration 0002).
   * Null when unused, when the token was killed (its successor reply was
   * presumed lost and superseded), and for rows older than 0002.
   */
  replaced_by: string | null;
}

/** A personal access token (migration 0014): only its SHA-256 is stored. */
export interface AccessTokensTable {
  id: Generated<number>;
  /** Who the token acts as: its creator, or a bot of theirs. */
  user_id: number;
  created_by: number;
  name: string;
  /** Comma-separated scopes. */
  scopes: string;
  token_hash: string;
  /** Its own session: revoking the token revokes that, and every node closes its sockets. */
  session_id: string;
  created_at: Millis;
  expires_at: Millis | null;
  revoked_at: Millis | null;
}

export interface IncomingWebhooksTable {
  id: Generated<number>;
  room_id: number;
  /** The bot user its posts are sent as. */
  bot_id: number;
  name: string;
  /** SHA-256 of the secret in its URL. */
  secret_hash: string;
  created_by: number;
  created_at: Millis;
  revoked_at: Millis | null;
}

export interface OutgoingWebhooksTable {
  id: Generated<number>;
  room_id: number;
  /** The bot a `{ text }` answer is posted as. */
  bot_id: number;
  url: string;
  /** Comma-separated, lower case; empty: every message. */
  trigger_words: string;
  /** The HMAC key: kept as is, since signing needs it. */
  secret: string;
  created_by: number;
  created_at: Millis;
  revoked_at: Millis | null;
}

/** The durable delivery queue (migration 0018). */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  message_id: number;
  payload: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_at: Millis;
  delivered_at: Millis | null;
  failed_at: Millis | null;
  last_error: string | null;
  created_at: Millis;
}

/** A room's custom slash command (migration 0018). */
export interface SlashCommandsTable {
  id: Generated<number>;
  room_id: number;
  /** Lower case, without the slash; unique per room. */
  trigger: string;
  url: string;
  secret: string;
  bot_id: number;
  created_by: number;
  created_at: Millis;
}

/** A custom command's response URL (migration 0023): its secret's SHA-256, expiry and uses so far. */
export interface CommandResponsesTable {
  secret_hash: string;
  command_id: number;
  room_id: number;
  /** Who ran the command: an ephemeral answer goes to them. */
  user_id: number;
  /** The command's clientId: the answers' clientIds derive from it, so a retried POST posts once. */
  client_id: string;
  uses: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  expires_at: Millis;
}

export interface IntegrationCursorsTable {
  name: string;
  position: number;
}

/** Who may see a durable event (see `visibleEvents` in queries/events.ts). */
export type EventScope = "all" | "room" | "user";

export interface EventsTable {
  /** The stream position: global, strictly increasing, the `lastEventId` clients resume from. */
  id: Generated<number>;
  type: string;
  scope: EventScope;
  room_id: number | null;
  /** For scope `user`: the recipient. For scope `room`: a subject who also sees it (e.g. the removed member). */
  user_id: number | null;
  /** JSON of the event body, validated on the way in and out by the api package. */
  payload: string;
  /**
   * The shape version of `payload` for its type (migration 0005); older shapes are upgraded on read.
   * Updated only with `payload`, when a deleted message's earlier events are rewritten as tombstones.
   */
  version: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Millis, Millis, never>;
}

/** An upload (migration 0013); its id is also its storage key. */
export interface FilesTable {
  id: string;
  uploader_id: number;
  /** The name the uploader gave, cleaned (see the api's files domain). */
  name: string;
  size: number;
  /** Sniffed from the bytes, never the client's word. */
  content_type: string;
  width: number | null;
  height: number | null;
  created_at: Millis;
  /** Null until a message references it: the orphan sweep deletes it a day later. */
  attached_at: Millis | null;
}

export interface MessageAttachmentsTable {
  message_id: number;
  file_id: string;
  position: number;
}

export interface SettingsTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: Millis;
}

export interface InvitesTable {
  code: string;
  created_by: number;
  created_at: Millis;
  expires_at: Millis | null;
  max_uses: number | null;
  uses: ColumnType<number, number | undefined, number>;
  revoked_at: Millis | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor_id: number;
  action: string;
  target_type: string;
  target_id: string | null;
  /** JSON of the action's details. */
  detail: string;
  created_at: Millis;
}

export interface RoomBansTable {
  room_id: number;
  user_id: number;
  banned_by: number;
  created_at: Millis;
}

export interface ReportsTable {
  id: Generated<number>;
  message_id: number;
  reporter_id: number;
  reason: string;
  created_at: Millis;
}

export interface Database {
  users: UsersTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  messages: MessagesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  events: EventsTable;
  message_revisions: MessageRevisionsTable;
  reactions: ReactionsTable;
  thread_participants: ThreadParticipantsTable;
  mentions: MentionsTable;
  thread_follows: ThreadFollowsTable;
  push_subscriptions: PushSubscriptionsTable;
  server_secrets: ServerSecretsTable;
  files: FilesTable;
  message_attachments: MessageAttachmentsTable;
  access_tokens: AccessTokensTable;
  incoming_webhooks: IncomingWebhooksTable;
  outgoing_webhooks: OutgoingWebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  integration_cursors: IntegrationCursorsTable;
  slash_commands: SlashCommandsTable;
  command_responses: CommandResponsesTable;
  settings: SettingsTable;
  invites: InvitesTable;
  audit_log: AuditLogTable;
  room_bans: RoomBansTable;
  reports: ReportsTable;
}

/** A browser's Web Push subscription (migration 0021). */
export interface PushSubscriptionsTable {
  endpoint: string;
  user_id: number;
  p256dh: string;
  auth: string;
  created_at: Millis;
}

/** Values generated once and shared by every node (the VAPID keys). */
export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: Millis;
}

export type UserRow = Selectable<UsersTable>;
export type RoomRow = Selectable<RoomsTable>;
export type MemberRow = Selectable<RoomMembersTable>;
export type MessageRow = Selectable<MessagesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type InviteRow = Selectable<InvitesTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type EventRow = Selectable<EventsTable>;
export type FileRow = Selectable<FilesTable>;
export type NewEvent = Insertable<EventsTable>;
