import type { EventRow } from "@parley/db";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEvent, encodeEvent } from "../events.ts";
import type { Message } from "../shapes.ts";
import { Outgoing } from "./fanout.ts";

const message: fc.Arbitrary<Message> = fc.record({
  id: fc.nat(),
  roomId: fc.nat(),
  kind: fc.constantFrom("text" as const, "system" as const),
  // Any text, lone surrogates and control characters included.
  content: fc.string({ unit: "binary", maxLength: 200 }),
  sender: fc.option(
    fc.record({
      id: fc.nat(),
      username: fc.string({ maxLength: 40 }),
      displayName: fc.option(fc.string({ unit: "binary", maxLength: 40 }), { nil: null }),
      isBot: fc.boolean(),
      overrideName: fc.option(fc.string({ unit: "binary", maxLength: 80 }), { nil: null }),
    }),
    { nil: null },
  ),
  clientId: fc.option(fc.string({ maxLength: 64 }), { nil: null }),
  createdAt: fc.nat(),
  editedAt: fc.option(fc.nat(), { nil: null }),
  rev: fc.integer({ min: 1, max: 1000 }),
  deletedAt: fc.option(fc.nat(), { nil: null }),
  threadId: fc.option(fc.nat(), { nil: null }),
  alsoToRoom: fc.boolean(),
  reactions: fc.array(fc.record({ emoji: fc.string({ maxLength: 8 }), count: fc.nat(), me: fc.boolean(), userIds: fc.array(fc.nat(), { maxLength: 10 }) }), { maxLength: 3 }),
  thread: fc.option(fc.record({ replyCount: fc.nat(), lastReplyAt: fc.option(fc.nat(), { nil: null }), participantIds: fc.array(fc.nat(), { maxLength: 10 }) }), { nil: null }),
  mentions: fc.record({ userIds: fc.array(fc.nat(), { maxLength: 5 }), room: fc.boolean(), here: fc.boolean() }),
  attachments: fc.array(
    fc.record({
      id: fc.string({ maxLength: 22 }),
      name: fc.string({ unit: "binary", maxLength: 40 }),
      size: fc.nat(),
      contentType: fc.string({ maxLength: 20 }),
      width: fc.option(fc.nat(), { nil: null }),
      height: fc.option(fc.nat(), { nil: null }),
      url: fc.string({ maxLength: 80 }),
      thumbUrl: fc.option(fc.string({ maxLength: 80 }), { nil: null }),
    }),
    { maxLength: 2 },
  ),
});

describe("Outgoing.fromPayload", () => {
  it("writes the same frame as serialising the decoded event", () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 1, max: 2 ** 40 }), fc.oneof(fc.nat(), fc.string({ maxLength: 8 })), (m, position, subscription) => {
        const row: EventRow = { id: position, ...encodeEvent(m.createdAt, { body: { type: "message.created", roomId: m.roomId, message: m }, scope: "room" }) };
        const decoded = decodeEvent(row);
        let decodes = 0;
        const spliced = Outgoing.fromPayload(
          () => {
            decodes++;
            return decoded;
          },
          position,
          row.payload,
        );
        const reference = new Outgoing(decoded, position);
        expect(spliced.frame(subscription, position).equals(reference.frame(subscription, position))).toBe(true);
        // The point of the splice: nothing was decoded to write the frame.
        expect(decodes).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
