import { randomBytes } from "node:crypto";
import { type Bus, openPostgresBus, openRedisBus } from "@parley/api";
import { migrate, openPostgres, openSqlite, type ParleyDb, pingDatabase } from "@parley/db";
import type { Logger } from "pino";
import { type ServerConfig, redactUrl } from "./config.ts";

export interface Backends {
  handle: ParleyDb;
  /** Null for a single SQLite node: nobody to tell. */
  bus: Bus | null;
  /** What /readyz reports: each backend answers now. */
  check(): Promise<{ database: boolean; bus: boolean }>;
  close(): Promise<void>;
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref())]);

/**
 * Opens the database (SQLite file or PostgreSQL pool), migrates it, and
 * opens the cross-node bus: Redis when REDIS_URL is set, otherwise
 * PostgreSQL LISTEN/NOTIFY on PostgreSQL, and none on SQLite.
 */
export async function openBackends(
  config: ServerConfig,
  logger: Logger,
  onQuery?: (ms: number, failed: boolean) => void,
): Promise<Backends> {
  const d = config.database;
  const handle =
    d.kind === "postgres"
      ? openPostgres({ url: d.url, poolSize: d.poolSize, onError: (err) => logger.warn({ err }, "database connection lost"), onQuery })
      : openSqlite({
          filename: d.filename,
          synchronous: d.synchronous,
          onQuery,
          onCheckpointerError: (err) => logger.warn({ err }, "WAL checkpointer failed; the writer checkpoints itself"),
        });
  try {
    await migrate(handle);
  } catch (err) {
    await handle.close();
    throw err;
  }
  const onError = (err: unknown) => logger.warn({ err }, "bus error");
  // Unique per process even if two nodes were given the same NODE_ID: a node ignores its own messages.
  const nodeId = `${config.nodeId}-${randomBytes(4).toString("hex")}`;
  let bus: Bus | null = null;
  try {
    if (config.redisUrl) bus = await openRedisBus({ url: config.redisUrl, nodeId, onError });
    else if (d.kind === "postgres") bus = await openPostgresBus({ url: d.url, nodeId, onError });
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (bus) bus.onReconnect(() => logger.info({ bus: bus?.kind }, "bus reconnected; catching up from the database"));
  return {
    handle,
    bus,
    async check() {
      const [database, busOk] = await Promise.all([
        within(pingDatabase(handle.db), 2000).then(
          () => true,
          () => false,
        ),
        bus
          ? within(bus.ping(), 2000).then(
              () => true,
              () => false,
            )
          : Promise.resolve(true),
      ]);
      return { database, bus: busOk };
    },
    async close() {
      await bus?.close();
      await handle.close();
    },
  };
}

/** For the start-up log line: where the data lives, without credentials. */
export function describeDatabase(config: ServerConfig): string {
  return config.database.kind === "postgres" ? redactUrl(config.database.url) : config.database.filename;
}
