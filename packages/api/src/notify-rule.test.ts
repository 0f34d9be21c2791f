import { describe, expect, it } from "vitest";
import { editNews, type NotifyJob, type NotifyLevel, type NotifyReason, notifyReason, shouldNotify } from "./notify-rule.ts";

const ME = 7;
const OTHER = 8;
const NOW = 1_000_000;

const newMessage = (o: { room?: boolean; mentioned?: number[] } = {}): NotifyJob => ({
  message: { mentions: { room: o.room ?? false } },
  mentioned: o.mentioned ?? [],
  edit: null,
});

describe("notifyReason: why a message concerns me", () => {
  const cases: [string, NotifyJob, string, NotifyReason | null][] = [
    ["any message in a DM", newMessage(), "dm", "dm"],
    ["a plain message in a channel", newMessage(), "channel", "message"],
    ["a channel message naming me", newMessage({ mentioned: [ME] }), "channel", "mention"],
    ["a channel message naming someone else", newMessage({ mentioned: [OTHER] }), "channel", "message"],
    ["@room in a channel", newMessage({ room: true }), "channel", "mention"],
    ["an edit adding my name", { ...newMessage(), edit: editNews({ room: false }, [], { room: false }, [ME]) }, "channel", "mention"],
    ["an edit keeping my name (already mentioned)", { ...newMessage(), edit: editNews({ room: false }, [ME], { room: false }, [ME]) }, "channel", null],
    ["an edit adding someone else's name", { ...newMessage(), edit: editNews({ room: false }, [], { room: false }, [OTHER]) }, "channel", null],
    ["an edit adding @room", { ...newMessage({ room: true }), edit: editNews({ room: false }, [], { room: true }, []) }, "channel", "mention"],
    ["an edit adding @room where I was named before", { ...newMessage({ room: true }), edit: editNews({ room: false }, [ME], { room: true }, [ME]) }, "channel", null],
    ["an edit of an @room message adding my name", { ...newMessage({ room: true }), edit: editNews({ room: true }, [], { room: true }, [ME]) }, "channel", null],
    ["an edit in a DM", { ...newMessage(), edit: editNews({ room: false }, [], { room: false }, [ME]) }, "dm", null],
  ];
  for (const [name, job, kind, want] of cases) {
    it(`${name}: ${want ?? "nothing"}`, () => expect(notifyReason(job, ME, kind)).toBe(want));
  }
});

describe("shouldNotify: what my settings let through", () => {
  const s = (level: NotifyLevel, o: { muted?: boolean; dndUntil?: number | null } = {}) => ({ level, muted: o.muted ?? false, dndUntil: o.dndUntil ?? null, now: NOW });
  // [settings, reason, named directly, notified?]
  const cases: [string, ReturnType<typeof s>, NotifyReason, boolean, boolean][] = [
    ['"all": a plain message', s("all"), "message", false, true],
    ['"mentions": a plain message', s("mentions"), "message", false, false],
    ['"mentions": a mention', s("mentions"), "mention", true, true],
    ['"mentions": @room', s("mentions"), "mention", false, true],
    ['"mentions": a DM', s("mentions"), "dm", false, true],
    ['"none": a DM', s("none"), "dm", false, false],
    ['"none": a mention', s("none"), "mention", true, false],
    ["muted: a DM", s("all", { muted: true }), "dm", false, true],
    ["muted: a mention by name", s("mentions", { muted: true }), "mention", true, true],
    ["muted: @room or @here", s("all", { muted: true }), "mention", false, false],
    ['muted "all": a plain message', s("all", { muted: true }), "message", false, false],
    ["do not disturb: a DM", s("all", { dndUntil: NOW + 1 }), "dm", false, false],
    ["do not disturb: a mention", s("all", { dndUntil: NOW + 1 }), "mention", true, false],
    ["do not disturb that has ended: a DM", s("all", { dndUntil: NOW }), "dm", false, true],
  ];
  for (const [name, settings, reason, direct, want] of cases) {
    it(`${name}: ${want ? "notified" : "silent"}`, () => expect(shouldNotify(settings, reason, direct)).toBe(want));
  }
});

describe("editNews", () => {
  it("lists only the newly mentioned, and remembers who was mentioned before", () => {
    expect(editNews({ room: false }, [1, 2], { room: false }, [2, 3, 4])).toEqual({ userIds: [3, 4], room: false, already: [1, 2] });
  });
  it("adds no one to a message that already said @room", () => {
    expect(editNews({ room: true }, [], { room: true }, [3])).toEqual({ userIds: [], room: false, already: [] });
  });
});
