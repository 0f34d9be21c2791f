import type { InsertedMessage } from "@parley/db";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { durableEventSchema, encodeEvent } from "../events.ts";
import { newMessage } from "./messages.ts";

// Ids as the database returns them (integers), times as the clock gives them, any text.
const dbId = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const insertedRow: fc.Arbitrary<InsertedMessage> = fc
  .record({
    id: dbId,
    room_id: dbId,
    sender: fc.option(fc.record({ id: dbId, name: fc.string(), displayName: fc.option(fc.string(), { nil: null }), isBot: fc.constantFrom(0 as const, 1 as const) }), {
      nil: null,
    }),
    overrideName: fc.option(fc.string({ maxLength: 80 }), { nil: null }),
    kind: fc.constantFrom("text" as const, "system" as const),
    content: fc.string({ unit: "grapheme", maxLength: 50 }),
    client_id: fc.option(fc.string(), { nil: null }),
    created_at: fc.integer({ min: 0, max: 2 ** 45 }),
    thread_id: fc.option(dbId, { nil: null }),
    in_room: fc.constantFrom(0 as const, 1 as const),
    event_id: dbId,
  })
  .map((r) => ({
    id: r.id,
    room_id: r.room_id,
    sender_id: r.sender?.id ?? null,
    sender_name: r.sender?.name ?? null,
    sender_display_name: r.sender?.displayName ?? null,
    sender_is_bot: r.sender?.isBot ?? null,
    kind: r.kind,
    content: r.content,
    client_id: r.client_id,
    created_at: r.created_at,
    edited_at: null,
    rev: 1,
    deleted_at: null,
    thread_id: r.thread_id,
    in_room: r.in_room,
    reply_count: 0,
    last_reply_at: null,
    event_id: r.event_id,
    mentions: null,
    override_name: r.sender ? r.overrideName : null,
  }));

describe("a new message's message.created", () => {
  it("is a body the schema returns unchanged, so writing it without parsing stores the same bytes", () => {
    fc.assert(
      fc.property(insertedRow, (row) => {
        const { message, created } = newMessage(row);
        expect(created.prebuilt).toBe(true);
        expect(created.position).toBe(row.event_id);
        const parsed = durableEventSchema.parse(created.body);
        expect(parsed).toEqual(created.body);
        expect(encodeEvent(row.created_at, created).payload).toBe(JSON.stringify(parsed));
        expect(encodeEvent(row.created_at, created)).toEqual(encodeEvent(row.created_at, { ...created, prebuilt: undefined }));
        expect(message).toBe((created.body as { message: unknown }).message);
      }),
      { numRuns: 1000, seed: 1202 },
    );
  });
});
