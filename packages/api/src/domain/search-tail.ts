import { type EventRow, indexSearchTail } from "@parley/db";
import type { Writer } from "./writer.ts";

/** How long a new message waits for the index: long enough that a busy server indexes hundreds at once. */
const DELAY_MS = 100;
/** Messages per write transaction: one pass holds the write path for about 11 µs a message. */
const BATCH = 2000;

export interface SearchTailOptions {
  writes: Writer;
  /** False on PostgreSQL, whose GIN indexes the database keeps itself. */
  enabled: boolean;
  onError?: ((err: unknown) => void) | undefined;
  delayMs?: number | undefined;
}

/**
 * SQLite: puts new messages into the search index after their commit
 * (migration 0022), a batch at a time, as an operation of the one write
 * path. A commit with a `message.created` schedules a pass `DELAY_MS` later;
 * a search first waits for one (`catchUp`), so a message is found as soon as
 * its send has been answered. Edits and deletes of indexed messages are
 * still re-indexed in their own transaction, by the triggers.
 */
export class SearchTail {
  /** Commits with new messages seen, and how many of them the last finished pass covered. */
  private requested = 0;
  private covered = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: SearchTailOptions) {}

  /** The hub's view of each commit (services.ts): only whether it inserted a message matters. */
  committed(rows: readonly EventRow[]): void {
    if (!this.options.enabled || this.stopped) return;
    if (!rows.some((r) => r.type === "message.created")) return;
    this.requested++;
    this.schedule();
  }

  /** Resolves once every message committed before the call is in the index. */
  async catchUp(): Promise<void> {
    const target = this.requested;
    try {
      while (this.options.enabled && this.covered < target && !this.stopped) await this.run();
    } catch (err) {
      // A failed pass is the indexer's problem, not the search's: it answers from what is indexed.
      this.options.onError?.(err);
    }
  }

  /**
   * Indexes until nothing is left; at start-up that includes messages
   * written while no server ran (an admin import). One pass at a time: a
   * call during a pass only waits for it, and a pass sees
   * every commit made before its start (`catchUp` loops until its own commits are covered).
   */
  async run(): Promise<void> {
    if (!this.options.enabled) return;
    if (this.running) {
      // Someone else's pass: waiting for it is enough if it started after what the caller waits for.
      await this.running;
      return;
    }
    const target = this.requested;
    const pass = this.drain();
    this.running = pass;
    try {
      await pass;
      this.covered = Math.max(this.covered, target);
    } finally {
      if (this.running === pass) this.running = null;
    }
    // Commits made during the pass may be past what it read (after a failure, the next commit tries again).
    if (this.requested > this.covered) this.schedule();
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A failed pass has already been reported to `onError` by whoever ran it: stopping only waits for it.
    return (this.running ?? Promise.resolve()).catch(() => {});
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run().catch((err: unknown) => this.options.onError?.(err));
    }, this.options.delayMs ?? DELAY_MS);
    this.timer.unref?.();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const n = await this.options.writes.run(async (tx) => ({ result: await indexSearchTail(tx.db, BATCH), events: [] }));
      if (n < BATCH || this.stopped) return;
    }
  }
}
