export type { Kysely, Transaction } from "kysely";
export {
  migrate,
  openSqlite,
  type ParleyDb,
  pingDatabase,
  type QueryObserver,
  type SqliteOptions,
  type SqliteSynchronous,
} from "./connect.ts";
export type { Dialect } from "./dialect.ts";
export { isUniqueViolation } from "./errors.ts";
export { migrationsFor } from "./migrations/index.ts";
export { isPostgres, isPostgresUrl, openPostgres, type PostgresOptions } from "./postgres.ts";
export * from "./queries/admin.ts";
export * from "./queries/edits.ts";
export * from "./queries/files.ts";
export * from "./queries/avatars.ts";
export * from "./queries/integrations.ts";
export * from "./queries/outgoing.ts";
export * from "./queries/command-responses.ts";
export * from "./queries/moderation.ts";
export * from "./queries/my-data.ts";
export * from "./queries/settings.ts";
export * from "./queries/dms.ts";
export * from "./queries/events.ts";
export * from "./queries/replay.ts";
export * from "./queries/members.ts";
export * from "./queries/messages.ts";
export * from "./queries/profile.ts";
export * from "./queries/reactions.ts";
export * from "./queries/rooms.ts";
export * from "./queries/rooms-json.ts";
export * from "./queries/write.ts";
export * from "./queries/sessions.ts";
export * from "./queries/threads.ts";
export * from "./queries/users.ts";
export type * from "./schema.ts";
export * from "./queries/attention.ts";
export * from "./queries/thread-follows.ts";
export * from "./queries/push.ts";
export * from "./queries/search.ts";
export * from "./queries/search-index.ts";
