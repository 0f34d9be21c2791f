import type { Database, Kysely } from "@parley/db";
import type { LiveEvent } from "../events.ts";
import type { Bus } from "./bus.ts";
import { EventHub, type HubOptions, type LiveAudience } from "./hub.ts";

/**
 * The event hub of one node among several. It adds three things to the
 * single-process hub, through its public methods only:
 *  - a local commit (`notify()`) is announced on the bus, at most once per
 *    tick, and another node's announcement wakes this hub to read the log;
 *  - typing is relayed to the other nodes, which deliver it locally;
 *  - the safety-net poll wakes the hub without announcing anything.
 * Nothing durable travels on the bus: every node reads the shared log, so a
 * lost announcement only delays delivery until the next poll.
 * Presence is not relayed here: each node derives it (see presence.ts).
 */
export class ClusterHub extends EventHub {
  private clusterAnnouncePending = false;
  private clusterClosed = false;
  private clusterPoll: ReturnType<typeof setInterval> | null = null;
  private readonly clusterPollMs: number;

  constructor(
    db: Kysely<Database>,
    private readonly clusterBus: Bus,
    options: HubOptions = {},
  ) {
    super(db, { ...options, pollMs: 0 });
    this.clusterPollMs = options.pollMs ?? 1000;
    clusterBus.onMessage((msg) => {
      if (msg.t === "log") this.clusterWake();
      else if (msg.t === "live") super.publishLive(msg.event, msg.audience);
    });
    clusterBus.onReconnect(() => this.clusterWake());
  }

  override async start(): Promise<void> {
    await super.start();
    if (this.clusterPollMs > 0) {
      this.clusterPoll = setInterval(() => this.clusterWake(), this.clusterPollMs);
      this.clusterPoll.unref();
    }
  }

  override stop(): void {
    this.clusterClosed = true;
    if (this.clusterPoll) clearInterval(this.clusterPoll);
    super.stop();
  }

  /**
   * The send path committed: read the log rather than delivering the rows
   * directly. Across nodes, positions are not drawn by one connection, so
   * "exactly the next" cannot be told from the rows alone.
   */
  override committed(): void {
    this.notify();
  }

  /** A local commit: read the log, and tell the other nodes to read it too. */
  override notify(): void {
    super.notify();
    if (this.clusterAnnouncePending || this.clusterClosed) return;
    this.clusterAnnouncePending = true;
    setImmediate(() => {
      this.clusterAnnouncePending = false;
      if (!this.clusterClosed) this.clusterBus.publish({ t: "log" });
    });
  }

  override publishLive(event: LiveEvent, audience: LiveAudience): void {
    super.publishLive(event, audience);
    if (event.type === "typing") this.clusterBus.publish({ t: "live", event, audience });
  }

  /** Read the log without announcing: a poll, or another node's commit. */
  private clusterWake(): void {
    super.notify();
  }
}
