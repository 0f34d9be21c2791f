import { buildPostgresSearchIndexes, type Database, type EventRow, fillSenders, indexSearchBatch, isPostgres, type Kysely, searchIndexBacklog } from "@parley/db";
import { SearchTail } from "./search-tail.ts";
import type { Writer } from "./writer.ts";

const RETRIES = 5;
const RETRY_MS = 2_000;

export type SearchIndexLog = (fields: Record<string, number | string>, message: string) => void;

export interface SearchIndexerOptions {
  db: Kysely<Database>;
  writes: Writer;
  log?: SearchIndexLog | undefined;
  onError?: ((err: unknown) => void) | undefined;
  /** SQLite: how long a new message waits for the index (domain/search-tail.ts). */
  tailDelayMs?: number | undefined;
  /** Messages per write transaction (SQLite). */
  batch?: number | undefined;
}

/**
 * Indexes the messages that predate the search index (migration 0012), in
 * the background: `start` only reads how much is left (one query), so
 * start-up never waits for it. On SQLite each batch is an operation of the
 * one write path, so sends keep flowing between batches; on PostgreSQL the
 * indexes are built CONCURRENTLY. `indexing` stays true until it is done;
 * search replies say so. New messages are indexed after their commit, by
 * the tail (domain/search-tail.ts).
 */
export class SearchIndexer {
  private pending = true;
  private stopped = false;
  private running: Promise<void> | null = null;
  /** New messages, indexed after their commit (SQLite; domain/search-tail.ts). */
  private readonly tail: SearchTail;
  private tailReady = false;

  constructor(private readonly options: SearchIndexerOptions) {
    this.tail = new SearchTail({ writes: options.writes, enabled: !isPostgres(options.db), onError: options.onError, delayMs: options.tailDelayMs });
  }

  get indexing(): boolean {
    return this.pending || !this.tailReady;
  }

  /** Every commit, from the write path (services.ts). */
  committed(rows: readonly EventRow[]): void {
    this.tail.committed(rows);
  }

  /**
   * Before a search: every message whose send has been answered is in the
   * index. While the start-up pass still indexes what a server that was not
   * running missed (an admin import), a search does not wait; it says it is
   * indexing.
   */
  async catchUp(): Promise<void> {
    if (this.tailReady) await this.tail.catchUp();
  }

  async start(): Promise<void> {
    const backlog = await searchIndexBacklog(this.options.db);
    const tail = this.tail.run().then(
      () => {
        this.tailReady = true;
      },
      (err: unknown) => {
        this.tailReady = true;
        this.options.onError?.(err);
      },
    );
    if (backlog === 0) {
      this.pending = false;
      this.running = tail;
      return;
    }
    this.running = Promise.all([tail, this.runWithRetries(backlog)]).then(() => undefined);
  }

  /**
   * A failed pass (another node building the same PostgreSQL index at the same
   * moment, a lost connection) is tried again a few times; what is indexed stays.
   */
  private async runWithRetries(backlog: number): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.run(backlog);
        return;
      } catch (err) {
        if (this.stopped) return;
        this.options.onError?.(err);
        if (attempt >= RETRIES) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS * attempt));
      }
    }
  }

  /** Stops after the batch under way; resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.tail.stop(), this.running]);
  }

  private async run(backlog: number): Promise<void> {
    const { db, writes, log } = this.options;
    const started = Date.now();
    if (isPostgres(db)) {
      log?.({}, "search: building the PostgreSQL search indexes in the background");
      await buildPostgresSearchIndexes(db);
    } else {
      log?.({ messages: backlog }, "search: indexing existing messages in the background");
      const batch = this.options.batch ?? 1000;
      let done = 0;
      let lastLog = started;
      while (!this.stopped) {
        const n = await writes.run(async (tx) => ({ result: await indexSearchBatch(tx.db, batch), events: [] }));
        if (n === 0) break;
        done += n;
        if (Date.now() - lastLog >= 2000) {
          lastLog = Date.now();
          log?.({ indexed: done, remaining: Math.max(0, backlog - done) }, "search: indexing existing messages");
        }
        // Let requests in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (this.stopped) return;
      await writes.run(async (tx) => ({ result: await fillSenders(tx.db), events: [] }));
    }
    this.pending = false;
    log?.({ ms: Date.now() - started }, "search: index complete");
  }
}
