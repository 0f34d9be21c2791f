import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Audience, forEachRecipient, mayReceive } from "./visibility.ts";

const users = [1, 2, 3, 4, 5, 6];
const rooms = [10, 11, 12];

const audience: fc.Arbitrary<Audience> = fc.record({
  scope: fc.constantFrom("all" as const, "room" as const, "user" as const),
  room_id: fc.option(fc.constantFrom(...rooms), { nil: null }),
  user_id: fc.option(fc.constantFrom(...users), { nil: null }),
});
const memberships = fc.array(fc.tuple(fc.constantFrom(...rooms), fc.constantFrom(...users)));

describe("the visibility rule", () => {
  it("gives the hub's recipients exactly the users a replay would admit, each once", () => {
    fc.assert(
      fc.property(audience, memberships, (e, pairs) => {
        const members = new Map<number, Set<number>>();
        for (const [room, user] of pairs) members.set(room, (members.get(room) ?? new Set()).add(user));
        const membersOf = (room: number) => members.get(room) ?? new Set<number>();
        const visited: number[] = [];
        forEachRecipient(e, membersOf, () => users, (u) => visited.push(u));
        const admitted = users.filter((u) => mayReceive(e, u, (room) => membersOf(room).has(u)));
        expect([...visited].sort()).toEqual(admitted);
      }),
      { numRuns: 2000, seed: 1203 },
    );
  });

  it("lets a subject see its own removal from a room it is no longer in, and nobody else", () => {
    const removal: Audience = { scope: "room", room_id: 10, user_id: 3 };
    expect(mayReceive(removal, 3, () => false)).toBe(true);
    expect(mayReceive(removal, 4, () => false)).toBe(false);
    expect(mayReceive({ scope: "user", room_id: 10, user_id: 3 }, 4, () => true)).toBe(false);
  });
});
