import { describe, expect, test } from "vitest";
import { dmName } from "./dm-name.ts";

describe("naming a direct message", () => {
  const me = { id: 1, username: "me" };
  test("is named by its other members, alphabetically", () => {
    expect(dmName([me, { id: 3, username: "zoe" }, { id: 2, username: "Bob" }], 1, "me")).toBe("Bob, zoe");
  });
  test("a note-to-self is named so", () => {
    expect(dmName([me], 1, "me")).toBe("me (note to self)");
  });
});
