import { DomainError } from "../errors.ts";

/** Runs `fn` in one transaction of type `Tx`, committing if it returns. */
export type RunTransaction<Tx> = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

type Job<Tx> = { work: (tx: Tx) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

type Outcome = { ok: true; value: unknown } | { ok: false; error: DomainError };

/**
 * Group commit: writes that arrive while a transaction is running are run
 * together in the next one, so a burst of N sends costs one BEGIN/COMMIT
 * (and one read of the log by the hub) instead of N. An idle writer waits
 * only for the current round of I/O callbacks (one `setImmediate`), so the
 * sends that arrived in it share the first transaction. Each write still
 * commits before its caller hears back.
 *
 * A job that throws a `DomainError` (not found, forbidden, too fast…) must
 * not have written anything yet: its caller gets the error after the commit
 * and the batch goes on. Any other error fails the batch, and its writes are
 * retried one transaction each, so one write's failure (a duplicate key on
 * another node, say) never fails or undoes another's.
 */
export class GroupCommit<Tx> {
  private queue: Job<Tx>[] = [];
  private running = false;

  constructor(
    private readonly transaction: RunTransaction<Tx>,
    private readonly maxBatch = 500,
  ) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
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
        let outcomes: Outcome[];
        try {
          outcomes = await this.transaction(async (tx) => {
            const out: Outcome[] = [];
            for (const job of batch) out.push(await attempt(job, tx));
            return out;
          });
        } catch (err) {
          const only = batch.length === 1 ? batch[0] : undefined;
          if (only) only.reject(err);
          else for (const job of batch) await this.one(job);
          continue;
        }
        for (const [i, job] of batch.entries()) {
          const o = outcomes[i];
          if (!o) job.reject(new Error("group commit lost a result"));
          else if (o.ok) job.resolve(o.value);
          else job.reject(o.error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async one(job: Job<Tx>): Promise<void> {
    try {
      job.resolve(await this.transaction(job.work));
    } catch (err) {
      job.reject(err);
    }
  }
}

async function attempt<Tx>(job: Job<Tx>, tx: Tx): Promise<Outcome> {
  try {
    return { ok: true, value: await job.work(tx) };
  } catch (err) {
    if (err instanceof DomainError) return { ok: false, error: err };
    throw err;
  }
}
