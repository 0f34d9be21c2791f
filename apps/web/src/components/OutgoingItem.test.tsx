// @vitest-environment jsdom
import type { OutboxItem } from "@parley/client";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, test, vi } from "vitest";
import { OutgoingItem } from "./MessageItem.tsx";

afterEach(cleanup);

const item = (status: OutboxItem["status"]): OutboxItem => ({
  clientId: "c1",
  roomId: 1,
  content: "hello <b>there</b>",
  status,
  createdAt: Date.now(),
  ...(status === "failed" ? { error: { code: "FORBIDDEN", message: "Join the room first" } } : {}),
});

describe("a message on its way", () => {
  test("shows as pending until acknowledged", () => {
    const { container } = render(() => (
      <OutgoingItem item={item("pending")} username="me" grouped={false} onRetry={() => undefined} onDiscard={() => undefined} />
    ));
    expect(screen.getByText("Sending…")).toBeTruthy();
    expect(container.querySelector("[data-status=pending] .msg-text")?.textContent).toBe("hello <b>there</b>");
  });

  test("when refused, says why and offers retry and discard", () => {
    const onRetry = vi.fn();
    const onDiscard = vi.fn();
    render(() => <OutgoingItem item={item("failed")} username="me" grouped={false} onRetry={onRetry} onDiscard={onDiscard} />);
    expect(screen.getByRole("alert").textContent).toContain("Not sent: Join the room first.");
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    expect(onRetry).toHaveBeenCalledOnce();
    expect(onDiscard).toHaveBeenCalledOnce();
  });
});
