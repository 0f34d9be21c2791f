import { describe, expect, test } from "vitest";
import { applyReaction, indexById, reactorsText, withKnownMine } from "./message-ops.ts";
import type { Message } from "./types.ts";

const ME = 7;
const message = (over: Partial<Message> = {}): Message => ({
  id: 1,
  roomId: 1,
  kind: "text",
  content: "hi",
  sender: { id: 2, username: "bob", displayName: null, isBot: false, overrideName: null },
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
  ...over,
});
const change = (type: "reaction.added" | "reaction.removed", userId: number, count: number, userIds: number[]) =>
  ({ type, id: 1, roomId: 1, messageId: 1, emoji: "👍", userId, count, userIds, index: count > 0 ? 0 : null }) as const;

describe("applying conversation events to a message", () => {
  test("our own reaction sets `me`; someone else's keeps what we knew", () => {
    const mine = applyReaction(message(), change("reaction.added", ME, 1, [ME]), ME);
    expect(mine.reactions).toEqual([{ emoji: "👍", count: 1, me: true, userIds: [ME] }]);
    const theirs = applyReaction(mine, change("reaction.added", 3, 2, [ME, 3]), ME);
    expect(theirs.reactions[0]).toMatchObject({ count: 2, me: true });
    const off = applyReaction(theirs, change("reaction.removed", ME, 1, [3]), ME);
    expect(off.reactions[0]).toMatchObject({ count: 1, me: false });
    expect(applyReaction(off, change("reaction.removed", 3, 0, []), ME).reactions).toEqual([]);
  });

  test("an edit from the stream (me: false everywhere) keeps our own reactions", () => {
    const known = message({ reactions: [{ emoji: "👍", count: 2, me: true, userIds: [ME, 3] }] });
    const edited = message({ content: "hi!", rev: 2, reactions: [{ emoji: "👍", count: 2, me: false, userIds: [ME, 3] }] });
    expect(withKnownMine(known, edited).reactions[0]?.me).toBe(true);
  });

  test("a tombstone takes no reactions", () => {
    const gone = message({ deletedAt: 5, content: "" });
    expect(applyReaction(gone, change("reaction.added", 3, 1, [3]), ME).reactions).toEqual([]);
  });

  test("messages are found by id without a scan", () => {
    const items = [1, 4, 9, 12].map((id) => message({ id }));
    expect(indexById(items, 9)).toBe(2);
    expect(indexById(items, 5)).toBe(-1);
  });

  test("who reacted: the names we know, then how many others", () => {
    const names = new Map([[3, "carol"]]);
    expect(reactorsText([ME, 3], 2, (id) => names.get(id), ME)).toBe("you and carol");
    expect(reactorsText([3, 99], 14, (id) => names.get(id), ME)).toBe("carol and 13 others");
    expect(reactorsText([99], 1, (id) => names.get(id), ME)).toBe("1 person");
  });
});
