import { Redis } from "ioredis";
import { type Bus, BusHandlers, type BusMessage, encodeEnvelope, newNodeId } from "./bus.ts";
import { redisBuckets } from "./shared-limits.ts";

export interface RedisBusOptions {
  url: string;
  /** Pub/sub channel (default "parley:bus"); nodes of one deployment share it. */
  channel?: string;
  nodeId?: string;
  onError?: (err: unknown) => void;
}

/**
 * Redis pub/sub. Two connections (a subscribed one can do nothing else).
 * Publishing never queues while Redis is away: a hint sent late is worth
 * less than the poll that will cover it. ioredis reconnects and
 * resubscribes by itself; each reconnect is reported so nodes re-read the
 * log and re-announce their presence.
 */
export async function openRedisBus(options: RedisBusOptions): Promise<Bus> {
  const channel = options.channel ?? "parley:bus";
  const nodeId = options.nodeId ?? newNodeId();
  const onError = options.onError ?? (() => {});
  const handlers = new BusHandlers(nodeId, onError);
  const common = { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (n: number) => Math.min(100 * n, 2000) };
  const pub = new Redis(options.url, { ...common, enableOfflineQueue: false });
  const sub = new Redis(options.url, { ...common, enableOfflineQueue: true });
  let lastError = 0;
  const report = (err: unknown) => {
    // A dead Redis errors on every retry: report at most once per 10 s.
    if (Date.now() - lastError < 10_000) return;
    lastError = Date.now();
    onError(err);
  };
  pub.on("error", report);
  sub.on("error", report);
  sub.on("message", (ch: string, raw: string) => {
    if (ch === channel) handlers.deliver(raw);
  });
  let readyOnce = false;
  sub.on("ready", () => {
    if (readyOnce) handlers.reconnected();
    readyOnce = true;
  });
  await Promise.all([pub.connect(), sub.connect()]);
  await sub.subscribe(channel);

  return {
    kind: "redis",
    nodeId,
    publish(msg: BusMessage) {
      if (pub.status !== "ready") return;
      pub.publish(channel, encodeEnvelope({ from: nodeId, msg })).catch(report);
    },
    onMessage: (h) => handlers.addMessage(h),
    onReconnect: (h) => handlers.addReconnect(h),
    // On the publishing connection: limits fail fast (no offline queue) and fall back to the node's own.
    buckets: redisBuckets(pub),
    async ping() {
      if (pub.status !== "ready" || sub.status !== "ready") throw new Error(`redis is ${pub.status}/${sub.status}`);
      await pub.ping();
    },
    async close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
