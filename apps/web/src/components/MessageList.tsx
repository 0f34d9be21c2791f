import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { sameDay } from "../lib/time.ts";
import { useApp } from "../state/context.ts";
import type { Message } from "../state/types.ts";
import { Icon } from "./Icon.tsx";
import { DaySeparator, MessageItem, OutgoingItem } from "./MessageItem.tsx";

const GROUP_WINDOW_MS = 5 * 60_000;
const NEAR_BOTTOM_PX = 64;
const NEAR_TOP_PX = 240;

const groupsWith = (prev: Message | undefined, m: Message): boolean =>
  !!prev &&
  prev.kind === "text" &&
  m.kind === "text" &&
  prev.sender?.id === m.sender?.id &&
  m.createdAt - prev.createdAt < GROUP_WINDOW_MS &&
  sameDay(prev.createdAt, m.createdAt);

/**
 * The room's messages. Stays pinned to the bottom as messages arrive unless
 * the reader scrolled up (then a "N new messages" pill counts them); nearing
 * the top loads older history, keeping the message in view where it was.
 */
export function MessageList(props: { roomId: number; roomName: string; roomDescription: string }) {
  const { chat, outbox, client } = useApp();
  let scroller: HTMLElement | undefined;
  const timeline = () => chat.state.timelines[props.roomId];
  const items = () => timeline()?.items ?? [];
  const [atBottom, setAtBottom] = createSignal(true);
  const [newCount, setNewCount] = createSignal(0);
  const [announcement, setAnnouncement] = createSignal("");

  const outgoing = createMemo(() => {
    const stored = new Set(items().map((m) => m.clientId));
    // A thread reply waits in its thread's panel, unless it is also sent to the room.
    return outbox().filter((o) => o.roomId === props.roomId && (o.threadId === undefined || o.alsoToRoom) && !stored.has(o.clientId));
  });

  const nearBottom = () => !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;

  function scrollToBottom(smooth = false) {
    if (!scroller) return;
    scroller.scrollTo({ top: scroller.scrollHeight, behavior: smooth ? "smooth" : "instant" });
    setAtBottom(true);
    setNewCount(0);
  }

  let loadingOlder = false;
  async function loadOlder() {
    if (loadingOlder || !scroller) return;
    loadingOlder = true;
    try {
      const page = await chat.fetchOlder(props.roomId);
      if (!page || !scroller) return;
      // Anchor on the first message in view, so prepending does not move what the reader sees.
      const top = scroller.getBoundingClientRect().top;
      const anchor = [...scroller.querySelectorAll<HTMLElement>("[data-message-id]")].find(
        (el) => el.getBoundingClientRect().bottom > top,
      );
      const id = anchor?.dataset.messageId;
      const offset = anchor ? anchor.getBoundingClientRect().top - top : 0;
      chat.applyOlder(props.roomId, page);
      const again = id ? scroller.querySelector<HTMLElement>(`[data-message-id="${id}"]`) : null;
      if (again) scroller.scrollTop += again.getBoundingClientRect().top - top - offset;
    } finally {
      loadingOlder = false;
    }
    fillViewport();
  }

  /** With too few messages to scroll, keep paging back until it fills or history ends. */
  function fillViewport() {
    const t = timeline();
    if (scroller && t?.loaded && t.nextCursor !== null && scroller.scrollHeight <= scroller.clientHeight + NEAR_TOP_PX) {
      void loadOlder();
    }
  }

  function onScroll() {
    if (!scroller) return;
    const bottom = nearBottom();
    setAtBottom(bottom);
    if (bottom) {
      setNewCount(0);
      chat.markRead(props.roomId);
    }
    if (scroller.scrollTop < NEAR_TOP_PX) void loadOlder();
  }

  // First page in: jump to the bottom, then fill the viewport.
  createEffect(
    on(
      () => timeline()?.loaded,
      (loaded) => {
        if (!loaded) return;
        scrollToBottom();
        queueMicrotask(fillViewport);
      },
    ),
  );

  // Newer messages (by id, at the end): follow them if at the bottom, else count them.
  let lastId = 0;
  createEffect(
    on(
      () => items()[items().length - 1]?.id ?? 0,
      (id) => {
        const previous = lastId;
        lastId = id;
        if (previous === 0 || id <= previous) return;
        const fresh = items().filter((m) => m.id > previous);
        const mineOnly = fresh.every((m) => m.sender?.id === chat.me.id);
        if (atBottom() || mineOnly) scrollToBottom();
        else setNewCount((n) => n + fresh.filter((m) => m.kind === "text" && m.sender?.id !== chat.me.id).length);
      },
    ),
  );

  // Our own outgoing message always brings the view down.
  createEffect(
    on(
      () => outgoing().length,
      (n, prev) => {
        if (prev !== undefined && n > prev) scrollToBottom();
      },
    ),
  );

  onMount(() => {
    let announced: number | null = null;
    const off = chat.onArrival((m) => {
      if (m.roomId !== props.roomId || m.sender?.id === chat.me.id) return;
      announced = m.id;
      setAnnouncement(m.kind === "system" ? m.content : `${m.sender?.username ?? "Someone"}: ${m.content}`);
    });
    onCleanup(off);
    // Deleted text must not linger in the page, not even in the screen-reader announcement.
    const offDeleted = client.events.on(
      "message.deleted",
      (e) => {
        if (e.messageId === announced) setAnnouncement("");
      },
      { roomId: props.roomId },
    );
    onCleanup(offDeleted);
    // Keep the bottom pinned when the pane resizes (keyboard on phones, window resize).
    const ro = new ResizeObserver(() => {
      if (atBottom() && scroller) scroller.scrollTop = scroller.scrollHeight;
    });
    if (scroller) ro.observe(scroller);
    onCleanup(() => ro.disconnect());
  });

  return (
    <div class="message-pane">
      <section
        class="message-scroller"
        ref={scroller}
        onScroll={onScroll}
        tabindex="0"
        aria-label={`Messages in ${props.roomName}`}
        data-testid="message-scroller"
      >
        <div class="message-list">
          <Show when={timeline()?.loaded && timeline()?.nextCursor === null}>
            <div class="room-intro">
              <div class="room-intro-mark">
                <Icon name="hash" size={26} />
              </div>
              <h2>
                Welcome to <bdi>{props.roomName}</bdi>
              </h2>
              <p dir="auto">{props.roomDescription || "This is the very beginning of the room."}</p>
            </div>
          </Show>
          <Show when={timeline()?.loadingOlder}>
            <p class="history-loading" role="status">
              Loading earlier messages…
            </p>
          </Show>
          <Show when={!timeline()?.loaded && !timeline()?.error}>
            <div class="skeleton-list" aria-hidden="true">
              <div class="skeleton" />
              <div class="skeleton" />
              <div class="skeleton short" />
            </div>
          </Show>
          <Show when={timeline()?.error}>
            <p class="form-error" role="alert">
              Could not load messages: {timeline()?.error}{" "}
              <button type="button" class="link-button" onClick={() => void chat.loadLatest(props.roomId)}>
                Try again
              </button>
            </p>
          </Show>
          <For each={items()}>
            {(m, i) => {
              const prev = () => items()[i() - 1];
              const newDay = () => {
                const p = prev();
                return !p || !sameDay(p.createdAt, m.createdAt);
              };
              return (
                <>
                  <Show when={newDay()}>
                    <DaySeparator at={m.createdAt} />
                  </Show>
                  <MessageItem
                    message={m}
                    grouped={groupsWith(prev(), m)}
                    mine={m.sender?.id === chat.me.id}
                    online={!!(m.sender && chat.state.online[m.sender.id])}
                  />
                </>
              );
            }}
          </For>
          <For each={outgoing()}>
            {(item, i) => (
              <OutgoingItem
                item={item}
                username={chat.me.username}
                grouped={i() > 0 || items()[items().length - 1]?.sender?.id === chat.me.id}
                onRetry={() => void client.outbox.retry(item.clientId).then(chat.acknowledge, () => undefined)}
                onDiscard={() => client.outbox.discard(item.clientId)}
              />
            )}
          </For>
        </div>
      </section>
      <Show when={newCount() > 0 && !atBottom()}>
        <button type="button" class="new-messages-pill" onClick={() => scrollToBottom(true)}>
          {newCount()} new {newCount() === 1 ? "message" : "messages"}
        </button>
      </Show>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {announcement()}
      </div>
    </div>
  );
}
