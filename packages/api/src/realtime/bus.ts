import { randomBytes } from "node:crypto";
import type { BucketFactory } from "./shared-limits.ts";
import type { LiveEvent } from "../events.ts";
import type { LiveAudience } from "./hub.ts";

/**
 * What nodes tell each other. The database stays the truth: `log` only says
 * "something was committed, read the log", and carries no event; a node that
 * misses it catches up on its next poll. Live events (typing) are carried
 * whole because they are never stored. Presence carries which users have a
 * socket on the sending node (see presence.ts). `revoked` names a session
 * whose sockets every node closes (see revocations.ts).
 */
export type BusMessage =
  | { t: "log" }
  | { t: "live"; event: LiveEvent; audience: LiveAudience }
  | { t: "presence"; online: boolean; users: [id: number, username: string][] }
  | { t: "revoked"; sessionId: string };

export interface BusEnvelope {
  /** The sending node: a node ignores its own messages. */
  from: string;
  msg: BusMessage;
}

export type BusKind = "local" | "redis" | "postgres";

/**
 * Cross-node notification bus. At-most-once: a message can be lost (a
 * restart, a dropped connection), so every user of it must also converge
 * without it. `publish` never throws and never waits.
 */
export interface Bus {
  readonly kind: BusKind;
  readonly nodeId: string;
  publish(msg: BusMessage): void;
  /** Messages from other nodes. */
  onMessage(handler: (msg: BusMessage, from: string) => void): void;
  /** The bus came back after a loss of connection: messages may have been missed meanwhile. */
  onReconnect(handler: () => void): void;
  /** Rate-limit buckets shared by every node on this bus (Redis only; see realtime/shared-limits.ts). */
  readonly buckets?: BucketFactory;
  /** Throws when the bus cannot carry messages now (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const newNodeId = () => randomBytes(6).toString("hex");

/** Bus messages published on PostgreSQL NOTIFY must stay below its 8000-byte limit. */
export const MAX_BUS_PAYLOAD = 7500;

export function encodeEnvelope(e: BusEnvelope): string {
  return JSON.stringify(e);
}

export function decodeEnvelope(raw: string): BusEnvelope | null {
  try {
    const e = JSON.parse(raw) as Partial<BusEnvelope>;
    if (typeof e.from !== "string" || typeof e.msg !== "object" || e.msg === null || typeof e.msg.t !== "string") return null;
    return e as BusEnvelope;
  } catch {
    return null;
  }
}

/** Handler lists shared by the implementations. */
export class BusHandlers {
  private readonly message: ((msg: BusMessage, from: string) => void)[] = [];
  private readonly reconnect: (() => void)[] = [];

  constructor(
    private readonly nodeId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  addMessage(h: (msg: BusMessage, from: string) => void): void {
    this.message.push(h);
  }

  addReconnect(h: () => void): void {
    this.reconnect.push(h);
  }

  /** Decodes and dispatches a raw payload; drops our own and malformed ones. */
  deliver(raw: string): void {
    const e = decodeEnvelope(raw);
    if (!e || e.from === this.nodeId) return;
    for (const h of this.message) {
      try {
        h(e.msg, e.from);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  reconnected(): void {
    for (const h of this.reconnect) h();
  }
}
