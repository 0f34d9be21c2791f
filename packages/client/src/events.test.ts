import type { StreamEvent } from "@parley/api";
import { describe, expect, test } from "vitest";
import { EventBus } from "./events.ts";

const msg = (id: number, roomId = 1): StreamEvent => ({
  type: "message.created",
  id,
  roomId,
  message: {
    id,
    roomId,
    kind: "text",
    content: `m${id}`,
    sender: null,
    clientId: null,
    createdAt: 0,
    editedAt: null,
    rev: 1,
    deletedAt: null,
    threadId: null,
    alsoToRoom: false,
    reactions: [],
    thread: null,
    mentions: { userIds: [], room: false, here: false },
    attachments: [],
  },
});

describe("EventBus", () => {
  test("a durable event at or below the delivered position is dropped", () => {
    const bus = new EventBus(null, (err) => {
      throw err;
    });
    const seen: number[] = [];
    bus.on("message.created", (e) => seen.push(e.id));
    for (const e of [{ type: "ready", id: 0 } as const, msg(1), msg(2), msg(2), msg(1), msg(3)]) bus.accept(e);
    expect(seen).toEqual([1, 2, 3]);
    expect(bus.position).toBe(3);
  });

  test("listeners filter by type and room; room-less events reach every listener", () => {
    const bus = new EventBus(0, () => {});
    const room2: string[] = [];
    const all: string[] = [];
    bus.on("*", (e) => room2.push(`${e.type}:${"roomId" in e ? e.roomId : "-"}`), { roomId: 2 });
    const off = bus.on("*", (e) => all.push(e.type));
    bus.accept(msg(1, 1));
    bus.accept(msg(2, 2));
    bus.accept({ type: "presence", userId: 1, username: "a", online: true, lastSeen: null });
    off();
    bus.accept(msg(3, 2));
    expect(room2).toEqual(["message.created:2", "presence:-", "message.created:2"]);
    expect(all).toEqual(["message.created", "message.created", "presence"]);
  });

  test("a fresh start after a position was known is reported as a resync, and a throwing listener does not stop the others", () => {
    const errors: unknown[] = [];
    const bus = new EventBus(5, (err) => errors.push(err));
    const got: StreamEvent[] = [];
    bus.on("*", () => {
      throw new Error("boom");
    });
    bus.on("*", (e) => got.push(e));
    bus.accept({ type: "ready", id: 9 });
    expect(got).toEqual([{ type: "resync", id: 9, reason: "gap" }]);
    expect(errors).toHaveLength(1);
    expect(bus.position).toBe(9);
  });
});
