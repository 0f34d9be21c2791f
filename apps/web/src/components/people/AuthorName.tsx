import { Show } from "solid-js";
import type { Message } from "../../state/types.ts";
import { ProfileTrigger } from "./ProfileCard.tsx";
import "./author.css";

type Sender = NonNullable<Message["sender"]>;

/** The name a message is shown under: a webhook's override, else the display name, else the username. */
export const authorName = (s: Sender | null): string => s?.overrideName ?? s?.displayName ?? s?.username ?? "Deleted user";

/** The whole author line as words, for the row's accessible name: "Grafana via webhook, bot". */
export function authorLabel(s: Sender | null): string {
  if (!s) return "Deleted user";
  return `${authorName(s)}${s.overrideName ? " via webhook" : ""}${s.isBot ? ", bot" : ""}`;
}

/** Who is behind the name, for the tooltip: the username always, and the webhook's own bot under an override. */
function behind(s: Sender): string {
  const account = s.displayName && s.displayName !== s.username ? `${s.displayName} (@${s.username})` : `@${s.username}`;
  return s.overrideName ? `Posted via webhook by ${account}` : account;
}

/**
 * A message's author line: the display name (the username in the tooltip),
 * "via webhook" when a webhook's post named itself, and a BOT badge that is
 * text, not only a colour.
 */
export function AuthorName(props: { sender: Sender | null }) {
  return (
    <Show when={props.sender} fallback={<span class="msg-author">Deleted user</span>}>
      {(s) => (
        <>
          <span class="msg-author" dir="auto" title={behind(s())} data-username={s().username}>
            <ProfileTrigger userId={s().id}>{authorName(s())}</ProfileTrigger>
          </span>
          {/* Truthiness, not `!== null`: a message cached by an older client may lack the field. */}
          <Show when={s().overrideName}>
            <span class="msg-via" title={behind(s())}>
              via webhook
            </span>
          </Show>
          <Show when={s().isBot}>
            <span class="bot-badge">BOT</span>
          </Show>
        </>
      )}
    </Show>
  );
}
