import type { Message } from "@parley/api";
import { errorCode, errorMessage, isPermanent, isUnauthorized, ParleyClosedError, SendFailedError } from "./errors.ts";
import type { OutboxStorage } from "./storage.ts";
import { makeStore, type Writable } from "./store.ts";
import type { Logger, Outbox, OutboxAction, OutboxActionOf, OutboxActionType, OutboxItem, OutboxResult } from "./types.ts";

export interface OutboxDeps {
  /** One attempt at what the item asks: `messages.send` with its clientId, or its edit or delete. */
  sendOnce(item: OutboxItem, signal: AbortSignal): Promise<Message>;
  /** One attempt at an action (see `OutboxActions`). */
  actOnce<K extends OutboxActionType>(action: OutboxActionOf<K>, signal: AbortSignal): Promise<OutboxResult<K>>;
  /** Resolves with the user's id once signed in; rejects if that never happens. */
  signedIn: Promise<number>;
  /** Waits `ms`, or less if the connection (re)opens meanwhile. */
  pause(ms: number): Promise<void>;
  /** Refreshes the access token after an UNAUTHORIZED answer. */
  refresh(): Promise<unknown>;
  storage?: OutboxStorage;
  logger: Logger;
  timeoutMs: number;
  onListenerError(err: unknown): void;
}

/** Resolved with what the item's own call answered: a Message for a send, the action's result otherwise. */
interface Waiter {
  resolve(answer: unknown): void;
  reject(err: unknown): void;
}

/** A random clientId; works without `crypto.randomUUID` (insecure browser origins). */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The lane an item waits in: one item per lane is on the wire at a time.
 * Sends queue per room, which keeps each room's order; actions per message,
 * so an unreact never overtakes the react before it.
 */
const laneOf = (i: OutboxItem): string => (i.action ? `message ${i.action.messageId}` : `room ${i.roomId}`);

/**
 * Messages on their way to the server. Each gets its clientId at once and is
 * sent again with that same clientId until the server answers, so it is
 * stored exactly once (the server dedupes per sender and clientId). One
 * message per room is on the wire at a time, which keeps each room's order;
 * a message the server refuses fails alone and the next one goes on.
 *
 * Edits and deletes travel the same way (retried until answered, kept in
 * storage): the server makes both idempotent (the same text again, or a
 * second delete, changes nothing). One the server refuses is dropped, its
 * promise rejected: unlike a message, there is nothing to show or resend.
 */
export class OutboxQueue implements Outbox {
  private items: OutboxItem[] = [];
  /** Items this client delivered or discarded: dropped from storage even if another writer still lists them. */
  private readonly forgotten = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly inFlight = new Set<string>();
  /** The running worker of each room. */
  private readonly workers = new Map<string, object>();
  private readonly store: Writable<readonly OutboxItem[]>;
  private saving: Promise<void> = Promise.resolve();
  private userId: number | null = null;
  private closed = false;

  constructor(private readonly deps: OutboxDeps) {
    this.store = makeStore<readonly OutboxItem[]>([], deps.onListenerError);
  }

  get = () => this.store.get();
  subscribe = (fn: (items: readonly OutboxItem[]) => void) => this.store.subscribe(fn);

  /** Adopts what storage kept from an earlier run of this user, before anything sent since. */
  async load(userId: number): Promise<void> {
    this.userId = userId;
    const stored = this.deps.storage ? await this.deps.storage.load() : [];
    const mine = stored.filter((i) => i.userId === undefined || i.userId === userId);
    const known = new Set(this.items.map((i) => i.clientId));
    this.items = [...mine.filter((i) => !known.has(i.clientId)).map((i) => ({ ...i, userId })), ...this.items];
    for (const i of this.items) i.userId = userId;
    this.changed();
    for (const lane of new Set(this.items.map(laneOf))) this.kick(lane);
  }

  /** Queues a message, or a thread reply (`thread`), behind what is already queued for its room. */
  send(roomId: number, content: string, thread?: { threadId: number; alsoToRoom?: boolean | undefined }, attachments?: readonly string[]): Promise<Message> {
    return this.enqueue<Message>(roomId, content, undefined, thread, attachments);
  }

  /** Queues an action; it resolves with that action's answer. */
  act<K extends OutboxActionType>(action: OutboxActionOf<K>): Promise<OutboxResult<K>> {
    // Stored as the union: an action of type K is answered by `actOnce` with OutboxResult<K>.
    return this.enqueue<OutboxResult<K>>(null, "", action as OutboxAction);
  }

  private enqueue<T>(
    roomId: number | null,
    content: string,
    action?: OutboxAction,
    thread?: { threadId: number; alsoToRoom?: boolean | undefined },
    attachments?: readonly string[],
  ): Promise<T> {
    if (this.closed) return Promise.reject(new ParleyClosedError());
    const item: OutboxItem = { clientId: newClientId(), roomId, content, status: "pending", createdAt: Date.now() };
    if (action) item.action = action;
    if (this.userId !== null) item.userId = this.userId;
    if (thread) item.threadId = thread.threadId;
    if (thread?.alsoToRoom) item.alsoToRoom = true;
    if (attachments && attachments.length > 0) item.attachments = [...attachments];
    this.items.push(item);
    const p = this.wait<T>(item.clientId);
    this.changed();
    this.kick(laneOf(item));
    return p;
  }

  retry(clientId: string): Promise<Message> {
    const item = this.items.find((i) => i.clientId === clientId);
    if (!item) return Promise.reject(new Error(`no outbox item ${clientId}`));
    const p = this.wait<Message>(clientId);
    if (item.status === "failed") {
      // Goes behind what is already queued for its room.
      this.items = [...this.items.filter((i) => i !== item), { ...item, status: "pending", error: undefined }];
      this.changed();
      this.kick(laneOf(item));
    }
    return p;
  }

  discard(clientId: string): boolean {
    if (this.inFlight.has(clientId)) return false;
    const before = this.items.length;
    this.items = this.items.filter((i) => i.clientId !== clientId);
    if (this.items.length === before) return false;
    this.forgotten.add(clientId);
    this.settle(clientId, (w) => w.reject(new SendFailedError("DISCARDED", "The message was discarded", clientId)));
    this.changed();
    return true;
  }

  close(): void {
    this.closed = true;
    for (const clientId of [...this.waiters.keys()]) this.settle(clientId, (w) => w.reject(new ParleyClosedError()));
  }

  /** `T` is what the item's own call answers (see `Waiter`): the one place that promise is typed. */
  private wait<T>(clientId: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const list = this.waiters.get(clientId) ?? [];
      list.push({ resolve: (answer) => resolve(answer as T), reject });
      this.waiters.set(clientId, list);
    });
  }

  private settle(clientId: string, fn: (w: Waiter) => void): void {
    const list = this.waiters.get(clientId) ?? [];
    this.waiters.delete(clientId);
    for (const w of list) fn(w);
  }

  private changed(): void {
    this.store.set(this.items.map((i) => ({ ...i })));
    const storage = this.deps.storage;
    // Nothing is written before the user is known: items must carry whose they are.
    if (!storage || this.userId === null) return;
    const snapshot = [...this.items];
    const warn = (err: unknown) => this.deps.logger.warn("could not save the outbox", { error: errorMessage(err) });
    // Read, merge, write: what other writers of the same storage (another tab, another user) keep
    // there stays, unless this client delivered or discarded it.
    const merge = (stored: readonly OutboxItem[]) => {
      const mine = new Set(snapshot.map((i) => i.clientId));
      return [...stored.filter((i) => !mine.has(i.clientId) && !this.forgotten.has(i.clientId)), ...snapshot];
    };
    const loaded = storage.load();
    if (loaded instanceof Promise) {
      // Asynchronous stores are read again in turn, after earlier writes of this client.
      loaded.catch(() => {});
      this.saving = this.saving.then(async () => storage.save(merge(await storage.load()))).catch(warn);
      return;
    }
    // A synchronous store (localStorage) is read and written in one go: no other tab runs in between.
    try {
      const saved = storage.save(merge(loaded));
      if (saved instanceof Promise) saved.catch(warn);
    } catch (err) {
      warn(err);
    }
  }

  private kick(lane: string): void {
    if (this.workers.has(lane) || this.closed) return;
    const worker = {};
    this.workers.set(lane, worker);
    this.drain(lane, worker).catch((err: unknown) =>
      this.deps.logger.error("outbox worker failed", { lane, error: errorMessage(err) }),
    );
  }

  /**
   * The lane's worker: sends its pending items one at a time. It leaves
   * `workers` in the same step in which it finds nothing left to send, so a
   * `send()` never mistakes a worker that is about to quit for a running one.
   */
  private async drain(lane: string, worker: object): Promise<void> {
    const quit = () => {
      if (this.workers.get(lane) === worker) this.workers.delete(lane);
    };
    try {
      await this.deps.signedIn;
    } catch {
      quit();
      return;
    }
    let attempt = 0;
    try {
      while (!this.closed) {
        const item = this.items.find((i) => laneOf(i) === lane && i.status === "pending");
        if (!item) return quit();
        this.inFlight.add(item.clientId);
        try {
          const answer = await this.attempt(item);
          this.inFlight.delete(item.clientId);
          attempt = 0;
          this.forgotten.add(item.clientId);
          this.items = this.items.filter((i) => i.clientId !== item.clientId);
          this.changed();
          this.settle(item.clientId, (w) => w.resolve(answer));
        } catch (err) {
          this.inFlight.delete(item.clientId);
          if (this.closed) return;
          if (isPermanent(err)) {
            attempt = 0;
            const code = errorCode(err) ?? "UNKNOWN";
            const message = errorMessage(err);
            this.deps.logger.info(item.action ? `${item.action.type} refused` : "message refused", { clientId: item.clientId, code, message });
            // A refused message stays to be shown and resent; a refused action has nothing to show: it is dropped.
            if (item.action) {
              this.forgotten.add(item.clientId);
              this.items = this.items.filter((i) => i.clientId !== item.clientId);
            } else {
              this.items = this.items.map((i) => (i.clientId === item.clientId ? { ...i, status: "failed", error: { code, message } } : i));
            }
            this.changed();
            this.settle(item.clientId, (w) => w.reject(new SendFailedError(code, message, item.clientId)));
            continue;
          }
          attempt++;
          this.deps.logger.debug("send failed; will retry", { clientId: item.clientId, attempt, error: errorMessage(err) });
          if (isUnauthorized(err)) await this.deps.refresh().catch(() => {});
          await this.deps.pause(backoff(attempt, errorCode(err) === "TOO_MANY_REQUESTS"));
        }
      }
    } finally {
      quit();
    }
  }

  private async attempt(item: OutboxItem): Promise<unknown> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.deps.timeoutMs);
    try {
      return await (item.action ? this.deps.actOnce(item.action, ac.signal) : this.deps.sendOnce(item, ac.signal));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Jittered backoff between attempts; slower when the server said we send too fast. */
function backoff(attempt: number, throttled: boolean): number {
  const base = throttled ? 1000 : 200;
  const cap = throttled ? 10_000 : 5000;
  const ms = Math.min(cap, base * 2 ** (attempt - 1));
  return ms / 2 + Math.random() * (ms / 2);
}
