import type { OutboxItem } from "@parley/client";
import { Match, Show, Switch } from "solid-js";
import { slowNow } from "../lib/now.ts";
import { dayLabel, exactTime, relativeTime } from "../lib/time.ts";
import type { Message } from "../state/types.ts";
import { Avatar } from "./Avatar.tsx";
import { MessageText } from "./MessageText.tsx";

export function DaySeparator(props: { at: number }) {
  return (
    <div class="day-separator">
      <span>{dayLabel(props.at, slowNow())}</span>
    </div>
  );
}

function Time(props: { at: number; short?: boolean }) {
  return (
    <time class="msg-time" datetime={new Date(props.at).toISOString()} title={exactTime(props.at)}>
      {props.short
        ? new Date(props.at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
        : relativeTime(props.at, slowNow())}
    </time>
  );
}

/** One message: avatar and name on the first of a group, just the text after; system notes set apart. */
export function MessageItem(props: { message: Message; grouped: boolean; mine: boolean; online: boolean }) {
  const m = () => props.message;
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
          classList={{ "msg-grouped": props.grouped, "msg-mine": props.mine }}
          data-message-id={m().id}
          data-status="sent"
          aria-label={`${m().sender?.username ?? "Deleted user"}, ${exactTime(m().createdAt)}`}
        >
          <div class="msg-gutter">
            <Show when={!props.grouped} fallback={<Time at={m().createdAt} short />}>
              <Avatar name={m().sender?.username ?? "?"} online={props.online} />
            </Show>
          </div>
          <div class="msg-body">
            <Show when={!props.grouped}>
              <header class="msg-header">
                <span class="msg-author" dir="auto">
                  {m().sender?.username ?? "Deleted user"}
                </span>
                <Time at={m().createdAt} />
              </header>
            </Show>
            <p class="msg-text" dir="auto">
              <MessageText content={m().content} />
            </p>
          </div>
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
            <span class="msg-author" dir="auto">
              {props.username}
            </span>
          </header>
        </Show>
        <p class="msg-text" dir="auto">
          <MessageText content={props.item.content} />
        </p>
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
