import type { OutboxItem } from "@parley/client";
import { type JSX, Match, Show, Switch } from "solid-js";
import { slowNow } from "../lib/now.ts";
import { clockTime, dayLabel, exactTime, relativeTime } from "../lib/time.ts";
import { useRoomUi } from "../state/room-ui.ts";
import type { Message } from "../state/types.ts";
import { Avatar } from "./Avatar.tsx";
import { AuthorName, authorLabel } from "./people/AuthorName.tsx";
import { MessageActions } from "./conversation/MessageActions.tsx";
import { MessageEditor } from "./conversation/MessageEditor.tsx";
import { Reactions } from "./conversation/Reactions.tsx";
import { Attachments } from "./files/Attachments.tsx";
import { createRevealWhenIdle } from "./timeline/idle.ts";
import { MessageBody } from "./timeline/MessageBody.tsx";

export function DaySeparator(props: { at: number }) {
  return (
    <div class="day-separator">
      <span>{dayLabel(props.at, slowNow())}</span>
    </div>
  );
}

/** A message's time; `focusable` for a grouped message's, hidden until hover, so keyboards reach it too. */
function Time(props: { at: number; short?: boolean; focusable?: boolean }) {
  return (
    <time class="msg-time" datetime={new Date(props.at).toISOString()} title={exactTime(props.at)} tabindex={props.focusable ? 0 : undefined}>
      {props.short ? clockTime(props.at) : relativeTime(props.at, slowNow())}
    </time>
  );
}

/**
 * One message: avatar and name on the first of a group, just the text after;
 * system notes set apart. In a room (with its UI state) it also has its
 * actions, reactions, "(edited)", its thread's "N replies", and editing in place.
 */
export function MessageItem(props: {
  message: Message;
  grouped: boolean;
  mine: boolean;
  online: boolean;
  inThread?: boolean;
  /** Extra rows under the text and reactions (other features' additions). */
  children?: JSX.Element;
}) {
  const m = () => props.message;
  const ui = useRoomUi();
  const deleted = () => m().deletedAt !== null;
  const editing = () => ui?.editing() === m().id;
  const actions = createRevealWhenIdle();
  return (
    <Switch>
      <Match when={m().kind === "system"}>
        <div class="msg-system" data-message-id={m().id} data-kind="system">
          <span class="msg-system-text" dir="auto">
            {m().content}
          </span>
          <Time at={m().createdAt} />
        </div>
      </Match>
      <Match when={m().kind === "text"}>
        <article
          class="msg"
          classList={{ "msg-grouped": props.grouped, "msg-mine": props.mine, "msg-tombstone": deleted(), "msg-editing": editing() }}
          data-message-id={m().id}
          data-status="sent"
          data-deleted={deleted() ? "true" : undefined}
          aria-label={`${authorLabel(m().sender)}, ${exactTime(m().createdAt)}`}
          onPointerEnter={actions.now}
          onFocusIn={actions.now}
        >
          <div class="msg-gutter">
            <Show when={!props.grouped} fallback={<Time at={m().createdAt} short focusable />}>
              <Avatar name={m().sender?.username ?? "?"} online={props.online} />
            </Show>
          </div>
          <div class="msg-body">
            <Show when={!props.grouped}>
              <header class="msg-header">
                <AuthorName sender={m().sender} />
                <Time at={m().createdAt} />
              </header>
            </Show>
            <Switch>
              <Match when={deleted()}>
                <p class="msg-deleted">message deleted</p>
              </Match>
              <Match when={ui && editing() ? ui : undefined}>{(u) => <MessageEditor message={m()} ui={u()} />}</Match>
              <Match when={true}>
                <MessageBody
                  content={m().content}
                  after={
                    <Show when={m().editedAt !== null}>
                      {" "}
                      <Show when={ui} fallback={<span class="msg-edited">(edited)</span>}>
                        {(u) => (
                          <button type="button" class="msg-edited link-button" title="Show edit history" onClick={() => u().showHistory(m())}>
                            (edited)
                          </button>
                        )}
                      </Show>
                    </Show>
                  }
                />
                <Attachments attachments={m().attachments ?? []} />
              </Match>
            </Switch>
            <Show when={ui && !deleted() ? ui : undefined}>{(u) => <Reactions message={m()} ui={u()} />}</Show>
            {/* Rows other features add under a message (files, link previews, read state…) go here. */}
            {props.children}
            <Show when={!props.inThread && m().thread ? ui : undefined}>
              {(u) => (
                <button type="button" class="thread-link link-button" onClick={() => u().openThread(m().id)}>
                  {m().thread?.replyCount} {m().thread?.replyCount === 1 ? "reply" : "replies"}
                </button>
              )}
            </Show>
          </div>
          <Show when={ui && !deleted() && actions.ready() ? ui : undefined}>
            {(u) => <MessageActions message={m()} ui={u()} inThread={props.inThread} />}
          </Show>
        </article>
      </Match>
    </Switch>
  );
}

/** A message of ours not yet acknowledged: pending, or failed with retry and discard. */
export function OutgoingItem(props: {
  item: OutboxItem;
  username: string;
  grouped: boolean;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  return (
    <article
      class="msg msg-mine msg-outgoing"
      classList={{ "msg-grouped": props.grouped, "msg-failed": props.item.status === "failed" }}
      data-client-id={props.item.clientId}
      data-status={props.item.status}
    >
      <div class="msg-gutter">
        <Show when={!props.grouped}>
          <Avatar name={props.username} />
        </Show>
      </div>
      <div class="msg-body">
        <Show when={!props.grouped}>
          <header class="msg-header">
            <span class="msg-author" dir="auto" title={props.username}>
              {props.username}
            </span>
          </header>
        </Show>
        <MessageBody content={props.item.content} />
        <Show
          when={props.item.status === "failed"}
          fallback={
            <p class="msg-state" aria-live="off">
              Sending…
            </p>
          }
        >
          <p class="msg-state msg-state-error" role="alert">
            Not sent{props.item.error ? `: ${props.item.error.message}` : ""}.{" "}
            <button type="button" class="link-button" onClick={() => props.onRetry()}>
              Retry
            </button>{" "}
            ·{" "}
            <button type="button" class="link-button" onClick={() => props.onDiscard()}>
              Discard
            </button>
          </p>
        </Show>
      </div>
    </article>
  );
}
