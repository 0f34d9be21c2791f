import {
  claimDelivery,
  dueDeliveries,
  findRoom,
  headPosition,
  insertDeliveries,
  liveOutgoingWebhooks,
  markDelivered,
  markRetry,
  messageEventsAfter,
  moveCursor,
  readCursor,
} from "@parley/db";
import { decodeEvent } from "../events.ts";
import { messageContentSchema } from "../schemas.ts";
import type { Services } from "../services.ts";
import type { Message } from "../shapes.ts";
import { sendMessage } from "./messages.ts";
import { signedPost } from "./signed-post.ts";

export interface OutgoingWorkerOptions {
  /** IP addresses or CIDR ranges a webhook may reach although private, loopback or link-local (`WEBHOOK_ALLOW_HOSTS`). */
  allowHosts: readonly string[];
  /** How often the queue is filled and due deliveries are sent (default 200 ms). */
  pollMs?: number;
  /** A subscriber's time to answer (default 10 s). */
  timeoutMs?: number;
  /** First retry delay; doubled per attempt up to 10 minutes (default 1 s). */
  retryBaseMs?: number;
  /** Attempts before a delivery is given up (default 10). */
  maxAttempts?: number;
  onError?: (err: unknown) => void;
}

const CURSOR = "outgoing_webhooks";
const MAX_BACKOFF_MS = 10 * 60_000;
/** Log rows read per tick. */
const FILL_BATCH = 200;

/**
 * The outgoing webhooks' delivery queue, made and started by the app (no
 * timer on import). Each tick it (1) fills the queue from the event log,
 * after a cursor kept in the database and moved in the same transaction as
 * the rows it adds (compare-and-set, so of several nodes one does each
 * stretch, and a restart neither skips nor repeats a message), then (2)
 * sends what is due: each delivery is claimed for a lease first, POSTed
 * with its id as `X-Parley-Delivery` (subscribers de-duplicate on it: this
 * is at-least-once), and on failure retried with exponential backoff.
 * Requests go through the one SSRF filter (domain/outbound.ts, via
 * `signedPost`): private, loopback and link-local addresses are refused
 * unless listed in `allowHosts`, on the URL and on every address the name
 * resolves to at connect time (DNS rebinding included).
 */
export class OutgoingWorker {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly svc: Services,
    private readonly o: OutgoingWorkerOptions,
  ) {}

  /** Before the server takes requests: a new database's queue starts at the log's head (webhooks get no history). */
  async start(): Promise<void> {
    const db = this.svc.db;
    if ((await readCursor(db, CURSOR)) === null) await moveCursor(db, CURSOR, null, await headPosition(db));
    this.timer ??= setInterval(() => void this.tick(), this.o.pollMs ?? 200);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round; overlapping ticks are skipped. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        await this.fill();
        await this.deliver();
      } catch (err) {
        this.o.onError?.(err);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async fill(): Promise<void> {
    const db = this.svc.db;
    const from = await readCursor(db, CURSOR);
    // Read before the log: every row up to it is visible (ids become visible in order), so the cursor may pass it.
    const head = await headPosition(db);
    if (from === null) return; // not started
    const hooks = await liveOutgoingWebhooks(db);
    const rows = hooks.length === 0 ? [] : await messageEventsAfter(db, from, [...new Set(hooks.map((h) => Number(h.room_id)))], FILL_BATCH);
    const last = rows.at(-1);
    const to = rows.length === FILL_BATCH && last ? Number(last.id) : Math.max(head, Number(last?.id ?? from));
    if (to <= from) return;
    const botIds = new Set(hooks.map((h) => Number(h.bot_id)));
    const now = this.svc.now();
    const deliveries: { webhookId: number; messageId: number; payload: string; now: number }[] = [];
    const rooms = new Map<number, { id: number; name: string }>();
    for (const row of rows) {
      const event = decodeEvent(row);
      if (event.type !== "message.created") continue;
      const message: Message = event.message;
      // System messages and the webhooks' own replies never trigger (no loops between a webhook and itself).
      if (message.sender === null || botIds.has(message.sender.id) || message.deletedAt !== null) continue;
      const firstWord = message.content.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
      for (const h of hooks) {
        // A webhook gets the messages sent after it was made.
        if (Number(h.room_id) !== message.roomId || message.createdAt < Number(h.created_at)) continue;
        const words = h.trigger_words === "" ? [] : h.trigger_words.split(",");
        if (words.length > 0 && !words.includes(firstWord)) continue;
        let room = rooms.get(message.roomId);
        if (!room) {
          const r = await findRoom(db, message.roomId);
          room = { id: message.roomId, name: r?.name ?? "" };
          rooms.set(message.roomId, room);
        }
        deliveries.push({ webhookId: Number(h.id), messageId: message.id, payload: JSON.stringify({ message, room, user: message.sender }), now });
      }
    }
    await db.transaction().execute(async (trx) => {
      if (!(await moveCursor(trx, CURSOR, from, to))) return;
      await insertDeliveries(trx, deliveries);
    });
  }

  private async deliver(): Promise<void> {
    const now = this.svc.now();
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    const due = await dueDeliveries(this.svc.db, now, 20);
    await Promise.all(
      due.map(async (d) => {
        const id = Number(d.id);
        if (!(await claimDelivery(this.svc.db, { id, nextAt: Number(d.next_at), until: now + timeoutMs + 5000 }))) return;
        const attempts = Number(d.attempts) + 1;
        try {
          const reply = await signedPost({
            url: d.url,
            secret: d.secret,
            body: d.payload,
            nowMs: this.svc.now(),
            timeoutMs,
            allowHosts: this.o.allowHosts,
            headers: { "x-parley-delivery": String(id) },
          });
          if (reply.status < 200 || reply.status >= 300) throw new Error(`HTTP ${reply.status}`);
          await markDelivered(this.svc.db, id, this.svc.now(), attempts);
          await this.answer(reply.body, { deliveryId: id, roomId: Number(d.room_id), botId: Number(d.bot_id) });
        } catch (err) {
          const failed = attempts >= (this.o.maxAttempts ?? 10);
          const delay = Math.min(MAX_BACKOFF_MS, (this.o.retryBaseMs ?? 1000) * 2 ** (attempts - 1));
          const message = err instanceof Error ? err.message : String(err);
          await markRetry(this.svc.db, { id, attempts, nextAt: this.svc.now() + delay, error: message, failed, now: this.svc.now() });
        }
      }),
    );
  }

  /** A `{ text }` answer is posted as the webhook's bot, once per delivery (its clientId is the delivery's). */
  private async answer(body: string, d: { deliveryId: number; roomId: number; botId: number }): Promise<void> {
    let text: unknown;
    try {
      text = (JSON.parse(body) as { text?: unknown }).text;
    } catch {
      return;
    }
    const content = messageContentSchema.safeParse(text);
    if (!content.success) return;
    const bot = await this.svc.db.selectFrom("users").select("username").where("id", "=", d.botId).executeTakeFirst();
    if (!bot) return;
    const auth = { userId: d.botId, username: bot.username, sessionId: `outgoing:${d.botId}`, expiresAt: Number.MAX_SAFE_INTEGER };
    await sendMessage(this.svc, auth, { roomId: d.roomId, content: content.data, clientId: `out-${d.deliveryId}` }).catch((err: unknown) =>
      this.o.onError?.(err),
    );
  }
}
