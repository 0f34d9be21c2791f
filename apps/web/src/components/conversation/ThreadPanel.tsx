import { createMemo, For, Show } from "solid-js";
import { chatClient } from "../../lib/chat-client.ts";
import { useApp } from "../../state/context.ts";
import type { RoomUi } from "../../state/room-ui.ts";
import { createThread } from "../../state/thread.ts";
import type { Message } from "../../state/types.ts";
import { Composer } from "../Composer.tsx";
import { Icon } from "../Icon.tsx";
import { MessageItem, OutgoingItem } from "../MessageItem.tsx";

/**
 * A thread beside the room: its root, its replies (live), and a composer
 * that replies in it. Keyed by root by its caller, so each thread starts fresh.
 */
export function ThreadPanel(props: { roomId: number; roomName: string; rootId: number; knownRoot: Message | undefined; ui: RoomUi }) {
  const { client, chat, outbox } = useApp();
  const thread = createThread(chatClient(client), chat.me.id, props.roomId, props.rootId, props.knownRoot);
  const root = () => thread.state.root ?? props.knownRoot;
  const pending = createMemo(() => {
    const stored = new Set(thread.state.replies.map((m) => m.clientId));
    return outbox().filter((o) => o.threadId === props.rootId && !stored.has(o.clientId));
  });
  const count = () => root()?.thread?.replyCount ?? thread.state.replies.length;

  /** ↑ in the thread's composer edits our last reply there. */
  function editLast(composer: HTMLTextAreaElement): boolean {
    const replies = thread.state.replies;
    for (let i = replies.length - 1; i >= 0; i--) {
      const m = replies[i];
      if (m && m.sender?.id === chat.me.id && m.deletedAt === null) {
        props.ui.startEdit(m.id, composer);
        return true;
      }
    }
    return false;
  }

  return (
    <aside class="thread-panel" aria-labelledby="thread-title" data-testid="thread-panel">
      <header class="pane-header thread-header">
        <h2 id="thread-title" class="pane-title">
          Thread
        </h2>
        <span class="thread-count" data-testid="thread-count">
          {count()} {count() === 1 ? "reply" : "replies"}
        </span>
        <button type="button" class="icon-button" aria-label="Close thread" onClick={() => props.ui.openThread(null)}>
          <Icon name="close" />
        </button>
      </header>
      <section class="thread-scroller" tabindex="0" aria-label="Thread messages">
        <Show when={root()}>
          {(r) => <MessageItem message={r()} grouped={false} mine={r().sender?.id === chat.me.id} online={!!(r().sender && chat.state.online[r().sender?.id ?? 0])} inThread />}
        </Show>
        <div class="thread-divider">
          <span>{count() === 0 ? "No replies yet" : `${count()} ${count() === 1 ? "reply" : "replies"}`}</span>
        </div>
        <Show when={thread.state.nextCursor !== null}>
          <button type="button" class="link-button thread-older" onClick={() => void thread.loadOlder()}>
            Show earlier replies
          </button>
        </Show>
        <Show when={thread.state.error}>
          <p class="form-error" role="alert">
            Could not load the thread: {thread.state.error}
          </p>
        </Show>
        <For each={thread.state.replies}>
          {(m, i) => {
            const prev = () => thread.state.replies[i() - 1];
            return (
              <MessageItem
                message={m}
                grouped={prev()?.sender?.id === m.sender?.id && m.createdAt - (prev()?.createdAt ?? 0) < 5 * 60_000}
                mine={m.sender?.id === chat.me.id}
                online={!!(m.sender && chat.state.online[m.sender.id])}
                inThread
              />
            );
          }}
        </For>
        <For each={pending()}>
          {(item) => (
            <OutgoingItem
              item={item}
              username={chat.me.username}
              grouped={false}
              onRetry={() => void client.outbox.retry(item.clientId).then(thread.acknowledge, () => undefined)}
              onDiscard={() => client.outbox.discard(item.clientId)}
            />
          )}
        </For>
      </section>
      <Composer roomId={props.roomId} roomName={props.roomName} threadId={props.rootId} onSent={thread.acknowledge} onEditLast={editLast} />
    </aside>
  );
}
