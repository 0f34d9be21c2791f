import { describe, expect, it } from "vitest";
import { decodeEvent, EventDecodeError, encodeEvent } from "./events.ts";

const v1 = { id: 7, roomId: 3, kind: "text", content: "hi", sender: { id: 1, username: "ada" }, clientId: "c1", createdAt: 5, editedAt: null } as const;
const message = { ...v1, sender: { id: 1, username: "ada", displayName: null, isBot: false, overrideName: null }, rev: 1, deletedAt: null, threadId: null, alsoToRoom: false, reactions: [], thread: null, mentions: { userIds: [], room: false, here: false }, attachments: [] };

describe("event bodies", () => {
  it("are checked against their schema when written", () => {
    const bad = { type: "message.created", roomId: 3, message: { ...message, content: 42 } };
    // @ts-expect-error: the type system refuses it too; the schema catches what slips past it (casts, JSON)
    expect(() => encodeEvent(5, { body: bad, scope: "room" })).toThrow(/content/);
  });

  it("decode to what was written, with their position", () => {
    const row = { id: 12, ...encodeEvent(5, { body: { type: "message.created", roomId: 3, message }, scope: "room" }) };
    expect(row).toMatchObject({ type: "message.created", scope: "room", room_id: 3, user_id: null, version: 4, created_at: 5 });
    expect(decodeEvent(row)).toEqual({ type: "message.created", roomId: 3, message, id: 12 });
  });

  it("stored in an older shape are upgraded to the current one on read", () => {
    const room = { id: 3, name: "general", description: "", isPrivate: false, createdBy: 1, createdAt: 5 };
    const stored = (type: string, body: object) => ({ id: 9, type, scope: "all" as const, room_id: 3, user_id: null, payload: JSON.stringify(body), version: 1, created_at: 5 });
    expect(decodeEvent(stored("message.created", { type: "message.created", roomId: 3, message: v1 }))).toEqual({ type: "message.created", roomId: 3, message, id: 9 });
    expect(decodeEvent(stored("room.updated", { type: "room.updated", roomId: 3, room }))).toEqual({ type: "room.updated", roomId: 3, room: { ...room, kind: "channel" }, id: 9 });
    // Message events before issue 14 carried no mentions: none.
    const { mentions: _, ...v2 } = message;
    const v2Row = { ...stored("message.updated", { type: "message.updated", roomId: 3, message: v2 }), scope: "room" as const };
    expect(decodeEvent(v2Row)).toEqual({ type: "message.updated", roomId: 3, message, id: 9 });
    // Reaction events before version 2 did not say where the emoji stands: null, and clients keep it where it was.
    const reaction = { type: "reaction.added", roomId: 3, messageId: 7, emoji: "👍", userId: 2, count: 1, userIds: [2] };
    expect(decodeEvent(stored("reaction.added", reaction))).toEqual({ ...reaction, index: null, id: 9 });
    // Message events before issue 17's author line named only id and username: no display name, not a bot, no override.
    const v3 = { ...message, sender: { id: 1, username: "ada" } };
    const v3Row = { ...stored("message.created", { type: "message.created", roomId: 3, message: v3 }), version: 3 };
    expect(decodeEvent(v3Row)).toEqual({ type: "message.created", roomId: 3, message, id: 9 });
    const deleted = { type: "message.deleted", roomId: 3, messageId: 7, message: { ...v3, sender: { id: 1, username: "ada", deactivated: true } } };
    expect(decodeEvent({ ...stored("message.deleted", deleted), version: 2 })).toEqual({
      ...deleted,
      message: { ...message, sender: { ...message.sender, deactivated: true } },
      id: 9,
    });
    // A system message (no sender) stays one.
    const system = { ...v3, kind: "system", sender: null };
    expect(decodeEvent({ ...stored("message.created", { type: "message.created", roomId: 3, message: system }), version: 3 })).toEqual({
      type: "message.created",
      roomId: 3,
      message: system,
      id: 9,
    });
    // Profiles before issue 16 had no avatar (and those before issue 17 no isBot): none, not a bot.
    const profile = { id: 2, username: "ada", displayName: null, statusText: "" };
    expect(decodeEvent(stored("user.updated", { type: "user.updated", roomId: 3, user: profile }))).toEqual({
      type: "user.updated",
      roomId: 3,
      user: { ...profile, isBot: false, avatarUrl: null },
      id: 9,
    });
    const bot = { ...profile, isBot: true };
    expect(decodeEvent(stored("user.updated", { type: "user.updated", roomId: 3, user: bot }))).toMatchObject({ user: { isBot: true, avatarUrl: null } });
  });

  it("refuse a stored payload that is not a valid body of its type, naming its position", () => {
    const row = { id: 40, type: "member.left", scope: "room" as const, room_id: 3, user_id: 2, payload: '{"type":"member.left","roomId":3}', version: 1, created_at: 5 };
    expect(() => decodeEvent(row)).toThrow(EventDecodeError);
    expect(() => decodeEvent({ ...row, payload: "{not json" })).toThrow(/event 40 does not decode/);
  });
});
