import { allMemberships, type Database, type EventRow, eventsAfter, headPosition, type Kysely, privateRoomIds } from "@parley/db";
import { type DurableEvent, decodeEvent, type LiveEvent } from "../events.ts";
import type { Socket } from "./connections.ts";
import { type DirectWriter, Outgoing, StreamIds, WriteBatch } from "./fanout.ts";
import { EventQueue } from "./queue.ts";
import { RoomPicture } from "./room-picture.ts";
import { forEachRecipient } from "./visibility.ts";
import { Watches } from "./watches.ts";

export type Delivery = { kind: "durable"; event: DurableEvent } | { kind: "live"; event: LiveEvent };

/**
 * One stream's place in the hub. Events first go to its queue, which the
 * stream drains through tRPC; once it has caught up it may hand delivery to
 * a `DirectWriter`, and from then on the hub writes to its socket itself.
 */
export class Subscriber {
  private direct: DirectWriter | null = null;
  private endedResolve: (() => void) | null = null;
  /** Resolves when the subscription is closed (by the client, the hub, or a cut-off). */
  readonly ended: Promise<void>;

  constructor(
    readonly userId: number,
    /** The connection it streams to (null in-process): watches are per connection. */
    readonly socket: Socket | null,
    readonly queue: EventQueue<Delivery>,
    /** Every durable event with a higher position reaches this subscriber, in order. */
    readonly startPosition: number,
    private readonly onClose: (s: Subscriber) => void,
  ) {
    this.ended = new Promise((r) => {
      this.endedResolve = r;
    });
  }

  /** `d` is built only for a subscriber whose stream still reads its queue (decoding is skipped otherwise). */
  deliver(d: Delivery | (() => Delivery), out: Outgoing, batch: WriteBatch): void {
    if (this.direct) this.direct.write(out, batch);
    else this.queue.push(typeof d === "function" ? d() : d);
  }

  /** Hands delivery to `writer` if nothing is waiting in the queue (else the stream must drain it first). */
  goDirect(writer: DirectWriter): boolean {
    if (this.queue.ended || this.queue.size > 0) return false;
    this.direct = writer;
    return true;
  }

  close(): void {
    this.queue.end();
    this.direct = null;
    this.onClose(this);
    this.endedResolve?.();
    this.endedResolve = null;
  }
}

/**
 * Who a live event reaches: a room's members (typing), or a user's peers —
 * everyone who shares a room with them, and their own other devices
 * (presence: telling every socket about every arrival would be O(users ×
 * sockets) when a whole team connects at once).
 */
export type LiveAudience = { roomId: number; exceptUserId?: number } | { peersOf: number } | { user: number };

export interface HubOptions {
  /** Rows read per query while catching up. */
  batchSize?: number;
  /** Queue length at which a subscriber counts as too slow and is cut off. */
  maxQueued?: number;
  /** Safety-net poll of the log, in case a notification was missed (0 = off). */
  pollMs?: number;
  onError?: (err: unknown) => void;
  /** After each durable event has been handed to this process's subscribers (metrics). */
  onDispatched?: (type: string, createdAt: number) => void;
}

/**
 * The one reader of the event log in this process. Writers commit and call
 * `notify()`; the hub reads every new row once, in position order, keeps its
 * own picture of room membership in step with those rows, and hands each
 * event to the subscribers entitled to it. Because delivery follows the log
 * rather than the order writers happen to call back in, every subscriber sees
 * the same order as the database, and a missed notification only delays.
 */
export class EventHub {
  private position = 0;
  private readonly picture = new RoomPicture();
  /** Connections watching a public room they are not in (see `watch`). */
  private readonly watches = new Watches();
  private readonly bySocket = new Map<Socket, Set<Subscriber>>();
  private readonly joinListeners: ((roomId: number, userId: number) => void)[] = [];
  private readonly byUser = new Map<number, Set<Subscriber>>();
  private draining = false;
  private again = false;
  private scheduled = false;
  private poll: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  /** Lets a stream learn its tRPC subscription id (see fanout.ts). */
  readonly streamIds = new StreamIds();
  private readonly batch = new WriteBatch();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: HubOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.maxQueued = options.maxQueued ?? 5000;
  }

  /** Takes a consistent snapshot of (position, memberships) and starts following the log. */
  async start(): Promise<void> {
    // One snapshot for both reads (PostgreSQL's default isolation would take one per statement; SQLite ignores the level).
    await this.db.transaction().setIsolationLevel("repeatable read").execute(async (trx) => {
      this.position = await headPosition(trx);
      const memberships = (await allMemberships(trx)).map((m) => ({ roomId: Number(m.room_id), userId: Number(m.user_id) }));
      this.picture.load(memberships, await privateRoomIds(trx));
    });
    const pollMs = this.options.pollMs ?? 1000;
    if (pollMs > 0) {
      this.poll = setInterval(() => this.notify(), pollMs);
      this.poll.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    const all = [...this.byUser.values()].flatMap((subs) => [...subs]);
    this.byUser.clear();
    for (const s of all) s.close();
  }

  get head(): number {
    return this.position;
  }

  /** Something was committed: read the log soon. Bursts coalesce into one read. */
  notify(): void {
    if (this.stopped || this.scheduled) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  /**
   * A writer has committed `rows` (the send path, see `SendTransaction`).
   * If they are exactly the next positions of the log they are delivered
   * now, in order, without reading them back: on SQLite this runs before any
   * other write can commit, so nothing can come between. Otherwise (another
   * writer's events come first, not yet read) the log is read as usual.
   * Either way each position is delivered once: the read skips what is
   * already delivered.
   */
  committed(rows: readonly EventRow[]): void {
    if (!this.deliverNext(rows)) this.notify();
  }

  private deliverNext(rows: readonly EventRow[]): boolean {
    const first = rows[0];
    if (!first || this.stopped || Number(first.id) !== this.position + 1) return false;
    for (const [i, row] of rows.entries()) if (Number(row.id) !== Number(first.id) + i) return false;
    try {
      for (const row of rows) this.dispatch(row);
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.batch.flush();
    }
    return true;
  }

  /** Resolves once every event committed before the call has been delivered. */
  async caughtUp(): Promise<void> {
    const target = await headPosition(this.db);
    while (this.position < target && !this.stopped) {
      this.notify();
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  subscribe(userId: number, onOverflow: () => void, socket: Socket | null = null): Subscriber {
    const subs = this.byUser.get(userId) ?? new Set<Subscriber>();
    this.byUser.set(userId, subs);
    const queue = new EventQueue<Delivery>(this.maxQueued, onOverflow);
    const sub = new Subscriber(userId, socket, queue, this.position, (s) => {
      subs.delete(s);
      if (subs.size === 0 && this.byUser.get(userId) === subs) this.byUser.delete(userId);
      const onSocket = s.socket ? this.bySocket.get(s.socket) : undefined;
      onSocket?.delete(s);
      if (s.socket && onSocket?.size === 0) this.bySocket.delete(s.socket);
    });
    subs.add(sub);
    if (socket) {
      const onSocket = this.bySocket.get(socket) ?? new Set<Subscriber>();
      onSocket.add(sub);
      this.bySocket.set(socket, onSocket);
    }
    return sub;
  }

  /**
   * The streams of `socket` also get the room events of `roomId` (a public
   * room its user previews without joining), until another watch, `null`, or
   * the socket closes. Checked at delivery against the hub's own picture, in
   * log order: once the room turns private or is deleted, nothing more goes
   * to watchers who are not members, and the watch ends (they get the
   * room's `room.hidden` or `room.deleted`, which every user gets). Not replayed on resume: a client
   * refetches the previewed room after a reconnect and watches again.
   */
  watch(socket: Socket, roomId: number | null): void {
    this.watches.set(socket, roomId);
  }

  membersOf(roomId: number): ReadonlySet<number> {
    return this.picture.membersOf(roomId);
  }

  /** Everyone who shares a room with `userId`, and `userId`, as of the last event delivered. */
  peersOf(userId: number): ReadonlySet<number> {
    return this.picture.peersOf(userId);
  }

  /** Called after a member.joined event has been delivered (presence introduces the new peers). */
  onMemberJoined(fn: (roomId: number, userId: number) => void): void {
    this.joinListeners.push(fn);
  }

  /** Typing and presence: delivered now, never stored. */
  publishLive(event: LiveEvent, audience: LiveAudience): void {
    const d: Delivery = { kind: "live", event };
    const out = new Outgoing(event, null);
    try {
      if ("peersOf" in audience) {
        for (const userId of this.picture.peersOf(audience.peersOf)) this.pushTo(userId, d, out);
        return;
      }
      if ("user" in audience) {
        this.pushTo(audience.user, d, out);
        return;
      }
      for (const userId of this.membersOf(audience.roomId)) {
        if (userId !== audience.exceptUserId) this.pushTo(userId, d, out);
      }
    } finally {
      this.batch.flush();
    }
  }

  private async drain(): Promise<void> {
    if (this.draining || this.stopped) return;
    this.draining = true;
    try {
      do {
        this.again = false;
        let rows: EventRow[];
        do {
          rows = await eventsAfter(this.db, this.position, this.batchSize);
          try {
            // A row may already have been delivered by `committed` while this read waited.
            for (const row of rows) if (Number(row.id) > this.position) this.dispatch(row);
          } finally {
            this.batch.flush();
          }
        } while (rows.length === this.batchSize && !this.stopped);
      } while (this.again && !this.stopped);
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.draining = false;
    }
  }

  private dispatch(row: EventRow): void {
    const position = Number(row.id);
    this.position = position;
    // A message changes nothing in the hub's picture, and a stream the hub writes to directly
    // gets its payload spliced into the frame: decoded only if a queued subscriber needs the object.
    const message = row.type === "message.created";
    let decoded: DurableEvent | null = message ? null : decodeEvent(row);
    const event = () => {
      decoded ??= decodeEvent(row);
      return decoded;
    };
    // Membership grows before delivery (a new member sees their own join)…
    if (decoded) this.picture.applyBefore(decoded);

    const d = () => ({ kind: "durable", event: event() }) as const;
    const out = message ? Outgoing.fromPayload(event, position, row.payload) : new Outgoing(event(), position);
    // Who gets it: the one visibility rule (visibility.ts), against the picture as of this event; then previews.
    forEachRecipient(row, (roomId) => this.membersOf(roomId), () => this.byUser.keys(), (userId) => this.pushTo(userId, d, out));
    if (row.scope === "room" && row.room_id !== null) {
      const roomId = Number(row.room_id);
      this.pushToWatchers(roomId, this.membersOf(roomId), row.user_id === null ? null : Number(row.user_id), d, out);
    }
    this.options.onDispatched?.(row.type, Number(row.created_at));
    if (!decoded) return;
    if (decoded.type === "member.joined") for (const fn of this.joinListeners) fn(decoded.roomId, decoded.member.userId);

    // …and shrinks after it (a removed member sees their removal, then nothing more).
    this.picture.applyAfter(decoded);
    // A watch ends with the room's visibility: if the room turns public again, a previewer watches anew.
    if (decoded.type === "room.deleted" || decoded.type === "room.hidden") this.watches.roomGone(decoded.roomId);
  }

  private pushToWatchers(
    roomId: number,
    members: ReadonlySet<number>,
    subject: number | null,
    d: Delivery | (() => Delivery),
    out: Outgoing,
  ): void {
    const sockets = this.watches.of(roomId);
    if (!sockets || this.picture.isPrivate(roomId)) return;
    for (const socket of sockets) {
      for (const s of this.bySocket.get(socket) ?? []) {
        if (!members.has(s.userId) && s.userId !== subject) s.deliver(d, out, this.batch);
      }
    }
  }

  private pushTo(userId: number, d: Delivery | (() => Delivery), out: Outgoing): void {
    const subs = this.byUser.get(userId);
    if (subs) for (const s of subs) s.deliver(d, out, this.batch);
  }
}
