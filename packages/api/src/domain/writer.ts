import type { EventRow, WriteTransaction, WriteTx } from "@parley/db";
import { type EventDraft, encodeEvent } from "../events.ts";
import { GroupCommit } from "./group-commit.ts";

/**
 * An event whose rows are written when its turn among the operation's events
 * comes: a system message is inserted then, so the position its insert
 * reserves for its `message.created` is the very next one appended (see
 * `WriteTx.insertMessage`), whatever events the operation lists before it.
 */
export type DeferredEvent = (tx: WriteTx, now: number) => Promise<EventDraft>;

/** What an operation emits, in log order. */
export type PendingEvent = EventDraft | DeferredEvent;

/** What a domain operation hands back: its result, and the events it emits. */
export interface Change<T> {
  result: T;
  events: PendingEvent[];
}

/**
 * A domain operation: reads and writes through `tx`, then returns its result
 * and its events. It must throw a `DomainError` (not found, forbidden, too
 * fast…) only before it has written anything: it shares its transaction with
 * the operations of the same batch (see group-commit.ts).
 */
export type Operation<T> = (tx: WriteTx, now: number) => Promise<Change<T>>;

/**
 * The one way state changes. Every operation runs through the group
 * committer in a write transaction (`WriteTransaction`: Kysely on
 * PostgreSQL, the SQLite accelerator on SQLite — the same queries either
 * way); its events are validated against their schemas and appended to the
 * log in that transaction, and the rows reach the hub at commit. A caller
 * hears back only after the commit.
 */
export class Writer {
  private readonly commits: GroupCommit<WriteTx>;

  constructor(
    transaction: WriteTransaction,
    onCommitted: (rows: EventRow[]) => void,
    private readonly now: () => number,
  ) {
    this.commits = new GroupCommit((fn) => transaction(fn, onCommitted));
  }

  run<T>(op: Operation<T>): Promise<T> {
    return this.commits.run(async (tx) => {
      const now = this.now();
      const { result, events } = await op(tx, now);
      for (const pending of events) {
        const draft = typeof pending === "function" ? await pending(tx, now) : pending;
        const position = await tx.appendEvent(encodeEvent(now, draft), draft.position);
        await draft.afterAppend?.(position);
      }
      return result;
    });
  }
}
