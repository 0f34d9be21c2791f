import { describe, expect, test } from "vitest";
import { linkify } from "./linkify.ts";

describe("linkify", () => {
  test("turns http and https URLs into links and leaves the rest as text", () => {
    expect(linkify("see https://example.com/a?b=1, then www.test.org.")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: ", then " },
      { kind: "link", text: "www.test.org", href: "https://www.test.org/" },
      { kind: "text", text: "." },
    ]);
  });

  test("never makes a link of javascript: or data: URLs", () => {
    const parts = linkify("javascript:alert(1) data:text/html,<b>x</b>");
    expect(parts.every((p) => p.kind === "text")).toBe(true);
  });

  test("keeps a parenthesis that belongs to the URL", () => {
    const parts = linkify("(https://en.wikipedia.org/wiki/Foo_(bar))");
    expect(parts.find((p) => p.kind === "link")?.text).toBe("https://en.wikipedia.org/wiki/Foo_(bar)");
  });

  test("ends a link at bidi controls and zero-width characters, which stay in the text", () => {
    for (const hidden of ["\u202e", "\u202d", "\u2066", "\u200f", "\u200b", "\u2060", "\u00ad", "\ufeff"]) {
      const parts = linkify(`https://example.test/a${hidden}gpj.exe`);
      expect(parts).toEqual([
        { kind: "link", text: "https://example.test/a", href: "https://example.test/a" },
        { kind: "text", text: `${hidden}gpj.exe` },
      ]);
    }
  });
});
