import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { mulberry32 } from "@parley/server/testing";

/**
 * A TCP proxy that can cut every connection through it at once, like a flaky
 * network or a load balancer restart. Connections it cannot forward (the
 * server is down) are closed at once.
 */
export class ChaosProxy implements AsyncDisposable {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  port = 0;
  drops = 0;
  /** While true, new connections are cut at once (the network is down). */
  blocked = false;
  /** While true, what the server sends is swallowed (a link that went quiet, not yet cut). */
  stalled = false;
  /** What was swallowed while stalled, as text (tRPC frames are JSON, unmasked server to client): lets a test see a reply was lost. */
  swallowed = "";

  /** `random` picks `dropOne`'s victim: pass a seeded one (see `seededRandom`) so a run can be replayed. */
  constructor(
    private readonly target: () => number,
    private readonly random: () => number = mulberry32(1),
  ) {
    this.server = createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: "127.0.0.1", port: this.target() });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const end = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
      client.pipe(upstream);
      upstream.on("data", (chunk: Buffer) => {
        if (!this.stalled) client.write(chunk);
        else this.swallowed += chunk.toString("latin1");
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Cuts every open connection (no close frame: the peers see a dead TCP stream). */
  dropAll(): number {
    const n = this.pairs.size;
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.drops += n;
    return n;
  }

  /** Cuts one random connection. */
  dropOne(): boolean {
    const all = [...this.pairs];
    const pick = all[Math.floor(this.random() * all.length)];
    if (!pick) return false;
    pick[0].destroy();
    pick[1].destroy();
    this.drops++;
    return true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
