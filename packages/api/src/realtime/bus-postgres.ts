import pg from "pg";
import { type Bus, BusHandlers, type BusMessage, encodeEnvelope, MAX_BUS_PAYLOAD, newNodeId } from "./bus.ts";

export interface PostgresBusOptions {
  url: string;
  /** LISTEN/NOTIFY channel (default "parley_bus"). */
  channel?: string;
  nodeId?: string;
  onError?: (err: unknown) => void;
}

/**
 * PostgreSQL LISTEN/NOTIFY, for a cluster without Redis. One dedicated
 * connection listens (reconnecting with backoff); another sends. Payloads
 * must stay under 8000 bytes: messages carry ids and names, never message
 * bodies, and larger ones are dropped (their receivers converge by polling).
 */
export async function openPostgresBus(options: PostgresBusOptions): Promise<Bus> {
  const channel = options.channel ?? "parley_bus";
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  const nodeId = options.nodeId ?? newNodeId();
  const onError = options.onError ?? (() => {});
  const handlers = new BusHandlers(nodeId, onError);
  let closed = false;
  let listener: pg.Client | null = null;
  let sender: pg.Client | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let attempts = 0;

  const connectListener = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.url });
    c.on("notification", (n) => {
      if (n.channel === channel && n.payload) handlers.deliver(n.payload);
    });
    const lost = (err?: unknown) => {
      if (listener !== c) return;
      listener = null;
      if (err) onError(err);
      c.end().catch(() => {});
      schedule();
    };
    c.on("error", lost);
    c.on("end", () => lost());
    await c.connect();
    await c.query(`listen ${channel}`);
    listener = c;
  };

  const schedule = () => {
    if (closed || retry) return;
    attempts++;
    retry = setTimeout(
      () => {
        retry = null;
        connectListener().then(
          () => {
            attempts = 0;
            handlers.reconnected();
          },
          (err) => {
            onError(err);
            schedule();
          },
        );
      },
      Math.min(100 * attempts, 2000),
    );
  };

  const connectSender = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: options.url });
    c.on("error", () => {
      if (sender === c) sender = null;
    });
    c.on("end", () => {
      if (sender === c) sender = null;
    });
    await c.connect();
    sender = c;
    return c;
  };
  let connecting: Promise<pg.Client> | null = null;
  const getSender = async () => {
    if (sender) return sender;
    connecting ??= connectSender().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  await connectListener();
  await getSender();
  let sending: Promise<unknown> = Promise.resolve();

  return {
    kind: "postgres",
    nodeId,
    publish(msg: BusMessage) {
      if (closed) return;
      const payload = encodeEnvelope({ from: nodeId, msg });
      if (Buffer.byteLength(payload) > MAX_BUS_PAYLOAD) {
        onError(new Error(`bus message of ${Buffer.byteLength(payload)} bytes dropped (NOTIFY limit)`));
        return;
      }
      // One NOTIFY at a time on the sender: pg queues overlapping queries itself but deprecates it (gone in pg 9).
      sending = sending
        .then(() => getSender())
        .then((c) => c.query("select pg_notify($1, $2)", [channel, payload]))
        .catch(onError);
    },
    onMessage: (h) => handlers.addMessage(h),
    onReconnect: (h) => handlers.addReconnect(h),
    async ping() {
      if (!listener) throw new Error("postgres bus listener is reconnecting");
      await listener.query("select 1");
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const l = listener;
      const s = sender;
      listener = null;
      sender = null;
      await Promise.allSettled([l?.end(), s?.end()]);
    },
  };
}
