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
  sender: kind === "text" ? { id: 7, username: "alice" } : null,
  clientId: null,
  createdAt: Date.now() - 1000,
  editedAt: null,
  rev: 1,
  deletedAt: null,
  threadId: null,
  alsoToRoom: false,
  reactions: [],
  thread: null,
});

describe("a message", () => {
  test("shows markup as literal text and links safely", () => {
    const payload = `<img src=x onerror="alert(1)"> https://example.com/x`;
    const { container } = render(() => <MessageItem message={message(payload)} grouped={false} mine={false} online={true} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".msg-text")?.textContent).toBe(payload);
    const link = container.querySelector(".msg-text a");
    expect(link?.getAttribute("href")).toBe("https://example.com/x");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer");
    expect(link?.getAttribute("target")).toBe("_blank");
  });

  test("shows the sender and an exact time on hover for the first of a group", () => {
    const { container } = render(() => <MessageItem message={message("hi")} grouped={false} mine={false} online={false} />);
    expect(container.querySelector(".msg-author")?.textContent).toBe("alice");
    expect(container.querySelector(".avatar")?.textContent).toContain("AL");
    expect(container.querySelector("time")?.getAttribute("title")).toBeTruthy();
  });

  test("leaves the name out when grouped with the previous message", () => {
    const { container } = render(() => <MessageItem message={message("again")} grouped={true} mine={false} online={false} />);
    expect(container.querySelector(".msg-author")).toBeNull();
    expect(container.querySelector(".msg-grouped")).not.toBeNull();
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
