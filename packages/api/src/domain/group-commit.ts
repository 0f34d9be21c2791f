import type { Database, Kysely, Transaction } from "@parley/db";

type Job<T> = { work: (trx: Transaction<Database>) => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };

/**
 * Group commit: writes that arrive while a transaction is running are run
 * together in the next one, so a burst of N sends costs one BEGIN/COMMIT
 * (and one read of the log by the hub) instead of N. An idle writer waits
 * only for the current round of I/O callbacks (one `setImmediate`), so the
 * sends that arrived in it share the first transaction. Each write still
 * commits before its caller hears back. If a batch fails, its writes are
 * retried one transaction each, so one write's error (a duplicate, say)
 * never fails or undoes another's.
 */
export class GroupCommit {
  private queue: Job<unknown>[] = [];
  private running = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxBatch = 200,
  ) {}

  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (this.running) return;
      // Start after the current round of I/O callbacks, so the sends that arrived in it share one commit.
      this.running = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        if (batch.length === 1) {
          await this.one(batch[0] as Job<unknown>);
          continue;
        }
        let results: unknown[];
        try {
          results = await this.db.transaction().execute(async (trx) => {
            const out: unknown[] = [];
            for (const job of batch) out.push(await job.work(trx));
            return out;
          });
        } catch {
          for (const job of batch) await this.one(job);
          continue;
        }
        for (const [i, job] of batch.entries()) job.resolve(results[i]);
      }
    } finally {
      this.running = false;
    }
  }

  private async one(job: Job<unknown>): Promise<void> {
    try {
      job.resolve(await this.db.transaction().execute(job.work));
    } catch (err) {
      job.reject(err);
    }
  }
}
