// @vitest-environment jsdom
import { cleanup, render } from "@solidjs/testing-library";
import { afterEach, describe, expect, test } from "vitest";
import type { Message } from "../state/types.ts";
import { MessageItem } from "./MessageItem.tsx";
import { typingText } from "./TypingIndicator.tsx";

afterEach(cleanup);

const message = (content: string, kind: Message["kind"] = "text"): Message => ({
  id: 1,
  roomId: 1,
  kind,
  content,
  sender: kind === "text" ? { id: 7, username: "alice", displayName: null, isBot: false, overrideName: null } : null,
  clientId: null,
  createdAt: Date.now() - 1000,
  editedAt: null,
  rev: 1,
  deletedAt: null,
  threadId: null,
  alsoToRoom: false,
  reactions: [],
  thread: null,
  mentions: { userIds: [], room: false, here: false },
  attachments: [],
});

describe("a message", () => {
  test("shows markup as literal text and links safely", () => {
    const payload = `<img src=x onerror="alert(1)"> https://example.com/x`;
    const { container } = render(() => <MessageItem message={message(payload)} grouped={false} mine={false} online={true} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".msg-text")?.textContent).toBe(payload);
    const link = container.querySelector(".msg-text a");
    expect(link?.getAttribute("href")).toBe("https://example.com/x");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(link?.getAttribute("target")).toBe("_blank");
  });

  test("shows the sender and an exact time on hover for the first of a group", () => {
    const { container } = render(() => <MessageItem message={message("hi")} grouped={false} mine={false} online={false} />);
    expect(container.querySelector(".msg-author")?.textContent).toBe("alice");
    expect(container.querySelector(".avatar")?.textContent).toContain("AL");
    expect(container.querySelector("time")?.getAttribute("title")).toBeTruthy();
  });

  test("shows the display name with the username in the tooltip, a BOT badge as text, and a webhook's override as via webhook", () => {
    const named = { ...message("hi"), sender: { id: 7, username: "alice", displayName: "Alice Liddell", isBot: false, overrideName: null } };
    const { container } = render(() => <MessageItem message={named} grouped={false} mine={false} online={false} />);
    expect(container.querySelector(".msg-author")?.textContent).toBe("Alice Liddell");
    expect(container.querySelector(".msg-author")?.getAttribute("title")).toBe("Alice Liddell (@alice)");
    expect(container.querySelector(".bot-badge")).toBeNull();
    expect(container.querySelector("article")?.getAttribute("aria-label")).toMatch(/^Alice Liddell, /);
    const hook = { ...message("deployed"), sender: { id: 9, username: "hook-1a2b", displayName: "CI", isBot: true, overrideName: "Grafana" } };
    const { container: c2 } = render(() => <MessageItem message={hook} grouped={false} mine={false} online={false} />);
    expect(c2.querySelector(".msg-author")?.textContent).toBe("Grafana");
    expect(c2.querySelector(".msg-via")?.textContent).toBe("via webhook");
    expect(c2.querySelector(".msg-author")?.getAttribute("title")).toBe("Posted via webhook by CI (@hook-1a2b)");
    expect(c2.querySelector(".bot-badge")?.textContent).toBe("BOT");
    expect(c2.querySelector("article")?.getAttribute("aria-label")).toMatch(/^Grafana via webhook, bot, /);
  });

  test("leaves the name out when grouped with the previous message", () => {
    const { container } = render(() => <MessageItem message={message("again")} grouped={true} mine={false} online={false} />);
    expect(container.querySelector(".msg-author")).toBeNull();
    expect(container.querySelector(".msg-grouped")).not.toBeNull();
  });

  test("isolates user text, so a name or link cannot read in another order than it is stored", () => {
    const rlo = "\u202e";
    const content = `invoice https://example.test/${rlo}gpj.exe and more`;
    const m = { ...message(content), sender: { id: 7, username: "alice", displayName: null, isBot: false, overrideName: null } };
    const { container } = render(() => <MessageItem message={m} grouped={false} mine={false} online={false} />);
    expect(container.querySelector(".msg-text")?.getAttribute("dir")).toBe("auto");
    expect(container.querySelector(".msg-author")?.getAttribute("dir")).toBe("auto");
    // The link stops at the override: what it shows is where it goes, in its own left-to-right isolate.
    const link = container.querySelector(".msg-text a");
    expect(link?.textContent).toBe("https://example.test/");
    expect(link?.getAttribute("href")).toBe("https://example.test/");
    expect(link?.getAttribute("dir")).toBe("ltr");
    // The text is all still there, as stored.
    expect(container.querySelector(".msg-text")?.textContent).toBe(content);
    const { container: system } = render(() => <MessageItem message={message(`${rlo}txt.exe joined`, "system")} grouped={false} mine={false} online={false} />);
    expect(system.querySelector(".msg-system-text")?.getAttribute("dir")).toBe("auto");
  });

  test("sets system messages apart", () => {
    const { container } = render(() => (
      <MessageItem message={message("bob joined", "system")} grouped={false} mine={false} online={false} />
    ));
    expect(container.querySelector(".msg-system")?.textContent).toContain("bob joined");
    expect(container.querySelector(".msg")).toBeNull();
  });
});

describe("the typing line", () => {
  test("names one, two, three or more people", () => {
    expect(typingText(["alice"])).toBe("alice is typing…");
    expect(typingText(["alice", "bob"])).toBe("alice and bob are typing…");
    expect(typingText(["alice", "bob", "carol"])).toBe("alice, bob and carol are typing…");
    expect(typingText(["a", "b", "c", "d"])).toBe("a, b and 2 others are typing…");
  });
});
