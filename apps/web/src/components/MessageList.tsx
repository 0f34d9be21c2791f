import { createVirtualizer } from "@tanstack/solid-virtual";
import { batch, createComputed, createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show, untrack } from "solid-js";
import { useApp } from "../state/context.ts";
import { indexById } from "../state/message-ops.ts";
import type { Message } from "../state/types.ts";
import { createShownWhenIdle } from "./timeline/idle.ts";
import { createEndSettle, holdStillUnlessPinned, makeRowMeasurer } from "./timeline/pin.ts";
import { groupsWith, HistoryHead, OutgoingTail, TimelineRow } from "./timeline/rows.tsx";

const NEAR_BOTTOM_PX = 64;
const NEAR_TOP_PX = 600;
const OVERSCAN = 6;
const HEAD = "head";
const TAIL = "tail";

/**
 * The room's messages, virtualised (@tanstack/solid-virtual): only the rows
 * near the viewport are in the DOM, so its size does not depend on how much
 * history is loaded. Row 0 is the history head (intro, loading, errors), the
 * last row our unsent messages; each row is measured as it renders.
 *
 * Stays pinned to the bottom as messages arrive unless the reader scrolled
 * up (then a pill counts them, or offers "Jump to newest"); nearing the top
 * loads older history, keeping what the reader sees where it was.
 */
export function MessageList(props: { roomId: number; roomName: string; roomDescription: string }) {
  const { chat, outbox, views } = useApp();
  let scroller: HTMLElement | undefined;
  const timeline = () => chat.state.timelines[props.roomId];
  const items = () => timeline()?.items;
  const length = createMemo(() => items()?.length ?? 0);
  const [atBottom, setAtBottom] = createSignal(true);
  const [newCount, setNewCount] = createSignal(0);
  /** Where "New messages" goes: the server's marker as the room opened; it stays put while this tab reads (attention/dividers.ts). */
  const seenUpTo = () => views.seenUpTo(props.roomId);

  // Only the length is tracked: matching a pending send to a stored one is a set lookup, not a scan.
  const outgoing = createMemo(() => {
    void length();
    // A thread reply waits in its thread's panel, unless it is also sent to the room.
    return outbox().filter(
      (o) => o.roomId === props.roomId && (o.threadId === undefined || o.alsoToRoom) && !chat.holdsClientId(props.roomId, o.clientId),
    );
  });

  const count = () => length() + 2;
  /**
   * The timeline's own list, for `getItemKey`: the virtualizer calls it for
   * every row after the list changes, so it must not subscribe. Every change
   * happens in this same array; a new timeline (after a resync) re-runs this.
   */
  let raw: readonly Message[] = [];
  createComputed(() => {
    raw = items()?.peek() ?? [];
  });
  const keyAt = (i: number): number | string => (i === 0 ? HEAD : i === raw.length + 1 ? TAIL : (raw[i - 1]?.id ?? i));
  /** Told after each change of the rows in view; a row reads the virtualiser's range itself, current before this is. */
  const [view, setView] = createSignal<{ startIndex: number; endIndex: number } | null>(null, {
    equals: (a, b) => a?.startIndex === b?.startIndex && a?.endIndex === b?.endIndex,
  });
  const virtualizer = createVirtualizer({
    get count() {
      return count();
    },
    getScrollElement: () => scroller ?? null,
    // Close estimates keep positions right before rows are measured: a grouped row is one line, a first one has a header.
    estimateSize: (i) => {
      const m = raw[i - 1];
      return i === 0 ? 48 : !m ? 8 : groupsWith(raw[i - 2], m) ? 26 : 58;
    },
    getItemKey: keyAt,
    // Back in a room: its rows as measured last time, and the view starting at the end when that is where the
    // reader was, so the first render is the rows that will be seen (not the top of history, then the end).
    initialMeasurementsCache: views.measured(props.roomId),
    initialRect: views.paneSize(),
    initialOffset: () => (views.spot(props.roomId)?.messageId == null ? Number.MAX_SAFE_INTEGER : 0),
    // Rows beyond the view render at an idle moment (see `shown` below): overscan costs a placeholder each.
    overscan: OVERSCAN,
    onChange: (v) => setView(v.range),
    paddingStart: 12,
    paddingEnd: 8,
  });
  holdStillUnlessPinned(virtualizer, atBottom);
  /** Row `i` is in view (or next to it), or where the range is not known yet. */
  const inView = (i: number) => {
    view();
    const r = virtualizer.range;
    return !r || (i >= r.startIndex - 1 && i <= r.endIndex + 1);
  };
  const rowMeasurer = makeRowMeasurer(virtualizer);
  const settleAtEnd = createEndSettle(() => scroller, atBottom);
  /** At the end now, and again each frame while the rows there are measured (see `createEndSettle`). */
  function pinToEnd() {
    if (!atBottom() || !scroller) return;
    scroller.scrollTop = scroller.scrollHeight;
    settleAtEnd();
  }
  // Rows keyed by message id, so a prepended page moves rows instead of re-rendering them.
  const rows = createMemo(() => virtualizer.getVirtualItems().map((v) => v.key));
  const indexOf = createMemo(() => new Map(virtualizer.getVirtualItems().map((v) => [v.key, v.index])));
  const offsetY = () => virtualizer.getVirtualItems()[0]?.start ?? 0;

  const nearBottom = () => !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;

  function scrollToBottom(smooth = false) {
    if (!scroller) return;
    batch(() => {
      setAtBottom(true);
      setNewCount(0);
    });
    // Smooth only over a short way: across a long history rows are measured on the way and the target moves.
    const far = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight > 2 * scroller.clientHeight;
    if (smooth && !far) scroller.scrollTo({ top: scroller.scrollHeight, behavior: "smooth" });
    else {
      // The virtualiser's own move to the end puts the last rows in range at once (a scrollTop write alone waits
      // for its scroll event); the settle then holds the end while they are measured.
      virtualizer.scrollToEnd();
      pinToEnd();
    }
  }

  let loadingOlder = false;
  async function loadOlder() {
    if (loadingOlder || !scroller) return;
    loadingOlder = true;
    try {
      const page = await chat.fetchOlder(props.roomId);
      if (!page || !scroller) return;
      // New rows go above: move down by what they add (estimated), then put the message that was at the
      // top back where it was once the new rows are measured (the virtualiser does not correct while
      // scrolling up), so what the reader sees stays still.
      const anchor = firstInView();
      const top = scroller.scrollTop;
      const oldFirst = raw[0]?.id;
      let added = 0;
      batch(() => {
        chat.applyOlder(props.roomId, page);
        added = oldFirst === undefined ? 0 : indexById(raw, oldFirst);
        // Told before it lays out the new rows, the virtualiser renders the range the reader will see: otherwise it
        // renders the top of the new page at the old offset, then, after the scroll below, the old rows again.
        virtualizer.scrollOffset = top + heightOfRows(added);
      });
      scroller.scrollTop = top + heightOfRows(added);
      // Our own move: not the reader scrolling.
      lastTop = scroller.scrollTop;
      if (anchor) {
        const settle = (frames: number) => {
          keepInPlace(anchor);
          if (frames > 0) requestAnimationFrame(() => settle(frames - 1));
        };
        settle(3);
      }
    } finally {
      loadingOlder = false;
    }
    requestAnimationFrame(fillViewport);
  }

  /** Rows 1..n (the first n messages) as the virtualiser sizes them: measured, or estimated. */
  function heightOfRows(n: number): number {
    let h = 0;
    for (let i = 1; i <= n; i++) h += virtualizer.itemSizeCache.get(keyAt(i)) ?? virtualizer.options.estimateSize(i);
    return h;
  }

  /** The first message row in view and its distance from the top of the viewport (only rendered rows are read). */
  function firstInView(): { id: string; offset: number } | null {
    if (!scroller) return null;
    const top = scroller.getBoundingClientRect().top;
    for (const el of scroller.querySelectorAll<HTMLElement>("[data-message-id]")) {
      const r = el.getBoundingClientRect();
      if (r.bottom > top && el.dataset.messageId) return { id: el.dataset.messageId, offset: r.top - top };
    }
    return null;
  }

  function keepInPlace(anchor: { id: string; offset: number }) {
    const el = scroller?.querySelector<HTMLElement>(`[data-message-id="${anchor.id}"]`);
    if (!scroller || !el) return;
    const drift = el.getBoundingClientRect().top - scroller.getBoundingClientRect().top - anchor.offset;
    if (Math.abs(drift) >= 1) scroller.scrollTop += drift;
  }

  /** With too few messages to scroll, keep paging back until it fills or history ends. */
  function fillViewport() {
    const t = timeline();
    if (scroller && t?.loaded && t.nextCursor !== null && scroller.scrollTop < NEAR_TOP_PX) void loadOlder();
  }

  let lastTop = 0;
  function onScroll() {
    if (!scroller) return;
    const top = scroller.scrollTop;
    // Rows measured taller than estimated push the end down and fire a scroll: that is not the reader leaving
    // the bottom. Only scrolling up is.
    const bottom = nearBottom() || (atBottom() && top >= lastTop);
    lastTop = top;
    setAtBottom(bottom);
    if (bottom && !nearBottom()) pinToEnd();
    if (bottom) {
      setNewCount(0);
      chat.markRead(props.roomId);
    }
    if (scroller.scrollTop < NEAR_TOP_PX) void loadOlder();
  }

  /** Back where the reader left this room, or at the newest. */
  function restore() {
    const spot = views.spot(props.roomId);
    const i = spot?.messageId == null ? -1 : (items()?.indexOf(spot.messageId) ?? -1);
    if (!spot || i === -1 || !scroller) {
      scrollToBottom();
      return;
    }
    setAtBottom(false);
    virtualizer.scrollToIndex(i + 1, { align: "start" });
    requestAnimationFrame(() => {
      if (scroller) scroller.scrollTop -= spot.offset;
    });
  }

  onCleanup(() => {
    if (!scroller) return;
    views.keepMeasured(props.roomId, virtualizer.takeSnapshot());
    if (atBottom()) {
      views.keepSpot(props.roomId, { messageId: null, offset: 0 });
      return;
    }
    const first = virtualizer.getVirtualItems().find((v) => v.end > scroller.scrollTop && v.index > 0 && v.index <= raw.length);
    const m = first ? raw[first.index - 1] : undefined;
    views.keepSpot(props.roomId, { messageId: m?.id ?? null, offset: first ? first.start - scroller.scrollTop : 0 });
  });

  // First page in: back to where the reader was (or the bottom), then fill the viewport.
  createEffect(
    on(
      () => timeline()?.loaded,
      (loaded) => {
        if (!loaded) return;
        restore();
        requestAnimationFrame(fillViewport);
      },
    ),
  );

  // Rows are measured as they render: while at the bottom, stay there.
  createEffect(
    on(
      () => virtualizer.getTotalSize(),
      () => pinToEnd(),
    ),
  );

  // Newer messages (by id, at the end): follow them if at the bottom, else count them. Reads only the tail.
  let lastId = 0;
  createEffect(
    on(
      () => items()?.last()?.id ?? 0,
      (id) => {
        const previous = lastId;
        lastId = id;
        if (previous === 0 || id <= previous) return;
        const fresh: Message[] = [];
        const list = raw;
        for (let i = list.length - 1; i >= 0; i--) {
          const m = list[i];
          if (!m || m.id <= previous) break;
          fresh.push(m);
        }
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
    rowMeasurer.mounted();
    // Keep the bottom pinned when the pane resizes (keyboard on phones, window resize).
    const ro = new ResizeObserver((entries) => {
      const box = entries[0]?.contentRect;
      if (box) views.keepPaneSize({ width: box.width, height: box.height });
      pinToEnd();
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
        data-read-marker={seenUpTo() ?? ""}
        data-count={length()}
      >
        <div class="message-list" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          <div class="message-window" style={{ transform: `translateY(${offsetY()}px)` }}>
            <For each={rows()}>
              {(key) => {
                const index = () => indexOf().get(key) ?? 0;
                // A row beyond the view is a placeholder of its known (or estimated) height until an idle moment,
                // not measured: measured, its height would count as the row's.
                const shown = key === HEAD || key === TAIL ? () => true : createShownWhenIdle(() => inView(index()));
                const placeholder = () => (
                  <div
                    class="timeline-row"
                    style={{ height: `${virtualizer.itemSizeCache.get(key) ?? virtualizer.options.estimateSize(untrack(index))}px` }}
                  />
                );
                return (
                  <Show when={shown()} fallback={placeholder()}>
                  <div class="timeline-row" data-index={index()} ref={(el) => rowMeasurer.measure(el, index())}>
                    <Show
                      when={key === HEAD}
                      fallback={
                        <Show
                          when={key === TAIL}
                          fallback={<Show when={items()}>{(list) => <TimelineRow items={list()} id={Number(key)} seenUpTo={seenUpTo()} />}</Show>}
                        >
                          <OutgoingTail roomId={props.roomId} items={outgoing()} lastStored={items()?.last()} />
                        </Show>
                      }
                    >
                      <HistoryHead roomId={props.roomId} roomName={props.roomName} roomDescription={props.roomDescription} />
                    </Show>
                  </div>
                  </Show>
                );
              }}
            </For>
          </div>
        </div>
      </section>
      <Show when={!atBottom()}>
        <button type="button" class="new-messages-pill" onClick={() => scrollToBottom(true)}>
          {newCount() > 0 ? `${newCount()} new ${newCount() === 1 ? "message" : "messages"}` : "Jump to newest"}
        </button>
      </Show>
      <Announcer roomId={props.roomId} />
    </div>
  );
}

/** The newest message from someone else, read out politely; a deleted one is taken back. */
function Announcer(props: { roomId: number }) {
  const { chat, client } = useApp();
  const [announcement, setAnnouncement] = createSignal("");
  let announced: number | null = null;
  onCleanup(
    chat.onArrival((m) => {
      if (m.roomId !== props.roomId || m.sender?.id === chat.me.id) return;
      announced = m.id;
      setAnnouncement(m.kind === "system" ? m.content : `${m.sender?.username ?? "Someone"}: ${m.content}`);
    }),
  );
  // Deleted text must not linger in the page, not even in the screen-reader announcement.
  onCleanup(
    client.events.on(
      "message.deleted",
      (e) => {
        if (e.messageId === announced) setAnnouncement("");
      },
      { roomId: props.roomId },
    ),
  );
  return (
    <div class="sr-only" aria-live="polite" aria-atomic="true">
      {announcement()}
    </div>
  );
}
