import type { OutboxItem } from "@parley/client";
import { createMemo, For, Show } from "solid-js";
import { sameDay } from "../../lib/time.ts";
import { useApp } from "../../state/context.ts";
import type { TimelineItems } from "../../state/timeline.ts";
import type { Message } from "../../state/types.ts";
import { createLiveMessage } from "./live.ts";
import { Icon } from "../Icon.tsx";
import { DaySeparator, MessageItem, OutgoingItem } from "../MessageItem.tsx";

const GROUP_WINDOW_MS = 5 * 60_000;

export const groupsWith = (prev: Message | undefined, m: Message): boolean =>
  !!prev &&
  prev.kind === "text" &&
  m.kind === "text" &&
  prev.sender?.id === m.sender?.id &&
  m.createdAt - prev.createdAt < GROUP_WINDOW_MS &&
  sameDay(prev.createdAt, m.createdAt);

/**
 * The first message someone else sent after what the reader had seen: where
 * "New messages" goes. Only this message and the one before it are read.
 */
export const startsUnread = (prev: Message | undefined, m: Message, seenUpTo: number | null, meId: number): boolean =>
  seenUpTo !== null && m.id > seenUpTo && (prev === undefined || prev.id <= seenUpTo) && m.sender?.id !== meId && m.kind === "text";

/**
 * One message row: a day separator before a new day, the "New messages"
 * divider, the message. Found by id (O(log n)) each time the list changes,
 * so a prepended page never shows a row another message for a moment; the
 * message is the row's own live copy (timeline/live.ts).
 */
export function TimelineRow(props: { items: TimelineItems; id: number; seenUpTo: number | null }) {
  const index = createMemo(() => props.items.indexOf(props.id));
  const current = createMemo(() => props.items.at(index()));
  const prev = createMemo(() => props.items.at(index() - 1));
  return <Show when={current()}>{(read) => <RowContent read={read} prev={prev()} seenUpTo={props.seenUpTo} />}</Show>;
}

function RowContent(props: { read: () => Message; prev: Message | undefined; seenUpTo: number | null }) {
  const { chat } = useApp();
  const msg = createLiveMessage(props.read);
  const prev = () => props.prev;
  return (
        <>
          <Show when={!prev() || !sameDay(prev()?.createdAt ?? 0, msg.createdAt)}>
            <DaySeparator at={msg.createdAt} />
          </Show>
          <Show when={startsUnread(prev(), msg, props.seenUpTo, chat.me.id)}>
            {/* biome-ignore lint/a11y/useSemanticElements: an <hr> cannot hold the visible "New messages" label */}
            <div class="unread-divider" role="separator" aria-label="New messages">
              <span>New messages</span>
            </div>
          </Show>
          <MessageItem
            message={msg}
            grouped={!startsUnread(prev(), msg, props.seenUpTo, chat.me.id) && groupsWith(prev(), msg)}
            mine={msg.sender?.id === chat.me.id}
            online={!!(msg.sender && chat.state.online[msg.sender.id])}
          />
        </>
  );
}

/** Row 0: the room's beginning once history is all loaded, or what loading is doing. */
export function HistoryHead(props: { roomId: number; roomName: string; roomDescription: string }) {
  const { chat } = useApp();
  const timeline = () => chat.state.timelines[props.roomId];
  return (
    <>
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
    </>
  );
}

/** The last row: our messages not yet acknowledged, grouped with our last stored one. */
export function OutgoingTail(props: { roomId: number; items: readonly OutboxItem[]; lastStored: Message | undefined }) {
  const { chat, client } = useApp();
  return (
    <For each={props.items}>
      {(item, i) => (
        <OutgoingItem
          item={item}
          username={chat.me.username}
          grouped={i() > 0 || props.lastStored?.sender?.id === chat.me.id}
          onRetry={() => void client.outbox.retry(item.clientId).then(chat.acknowledge, () => undefined)}
          onDiscard={() => client.outbox.discard(item.clientId)}
        />
      )}
    </For>
  );
}
