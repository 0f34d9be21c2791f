import type { ApiObserver, Services } from "@parley/api";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  observer: ApiObserver;
  /** Kysely's per-query hook. */
  onQuery(ms: number, failed: boolean): void;
  /** Gauges read live state when scraped. */
  bind(svc: Services): void;
  contentType: string;
  render(): Promise<string>;
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics on a registry of this server's own (several servers can
 * share a process in tests). Labels are low-cardinality: procedure paths and
 * outcomes, never users or rooms.
 */
export function createMetrics(nodeId: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry, prefix: "parley_process_" });

  let svc: Services | null = null;
  new Gauge({
    name: "parley_ws_connections",
    help: "Open authenticated WebSocket connections",
    registers: [registry],
    collect() {
      this.set(svc?.connections.count() ?? 0);
    },
  });
  let lastHead: number | null = null;
  new Counter({
    name: "parley_events_total",
    help: "Durable events read from the log by this node (rate() gives events/s)",
    registers: [registry],
    collect() {
      const head = svc?.hub.head ?? 0;
      if (lastHead !== null && head > lastHead) this.inc(head - lastHead);
      lastHead = head;
    },
  });
  new Gauge({
    name: "parley_event_log_position",
    help: "The last stream position this node has delivered",
    registers: [registry],
    collect() {
      this.set(svc?.hub.head ?? 0);
    },
  });
  new Gauge({
    name: "parley_users_online",
    help: "Users online (across the cluster, as this node sees it)",
    registers: [registry],
    collect() {
      this.set(svc?.presence.list().length ?? 0);
    },
  });
  const calls = new Histogram({
    name: "parley_procedure_seconds",
    help: "Duration of tRPC queries and mutations (messages.send is the send latency)",
    labelNames: ["path", "type", "ok"],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const delivery = new Histogram({
    name: "parley_delivery_seconds",
    help: "From a message being sent to this node handing it to its subscribers (once per message per node)",
    buckets: latencyBuckets,
    registers: [registry],
  });
  const queries = new Histogram({
    name: "parley_db_query_seconds",
    help: "Database query durations",
    labelNames: ["ok"],
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });

  return {
    registry,
    observer: {
      call: (path, type, ok, seconds) => calls.observe({ path, type, ok: String(ok) }, seconds),
      delivered: (seconds) => delivery.observe(Math.max(0, seconds)),
    },
    onQuery: (ms, failed) => queries.observe({ ok: String(!failed) }, ms / 1000),
    bind(s) {
      svc = s;
      lastHead = s.hub.head;
    },
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
