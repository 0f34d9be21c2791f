import type { Message, ParleyClient } from "@parley/client";
import { createResource, Show } from "solid-js";
import { dmName } from "../../lib/dm-name.ts";
import { exactTime } from "../../lib/time.ts";
import { useApp } from "../../state/context.ts";
import { focusMessage } from "../../state/search.ts";

/** One look-up per linked message per client: the same link in many messages costs one request. */
const lookups = new WeakMap<ParleyClient, Map<string, Promise<Message | null>>>();

function lookup(client: ParleyClient, roomId: number, messageId: number): Promise<Message | null> {
  let cache = lookups.get(client);
  if (!cache) {
    cache = new Map();
    lookups.set(client, cache);
  }
  const key = `${roomId}/${messageId}`;
  let p = cache.get(key);
  if (!p) {
    // The server decides who may see it: NOT_FOUND (not a reader, or no such message) leaves a plain link.
    p = client.around(roomId, messageId, 1).then(
      (page) => page.items.find((m) => m.id === messageId && m.deletedAt === null) ?? null,
      () => null,
    );
    cache.set(key, p);
  }
  return p;
}

/**
 * A pasted link to a message: a quote card (author, room, text) for a
 * reader who may see that message, and the plain link for everyone else.
 */
export function MessageLinkCard(props: { href: string; text: string; roomId: number; messageId: number }) {
  const { client, chat } = useApp();
  const [message] = createResource(() => lookup(client, props.roomId, props.messageId));
  const roomName = () => {
    const r = chat.state.rooms.find((x) => x.id === props.roomId);
    if (!r) return "";
    return r.kind === "dm" ? dmName(r.members, chat.me.id, chat.me.username) : `#${r.name}`;
  };
  // `data-message-link` says when the look-up is over and the link stays plain (tests wait for it).
  const plain = (
    <a href={props.href} target="_blank" rel="noopener noreferrer nofollow" dir="ltr" data-message-link={message.loading ? "checking" : "plain"}>
      {props.text}
    </a>
  );
  return (
    <Show when={message()} fallback={plain}>
      {(m) => (
        <button type="button" class="quote-card" data-quote-of={m().id} onClick={() => focusMessage(props.roomId, props.messageId)}>
          <span class="quote-card-meta">
            <bdi>{m().sender?.username ?? "Deleted user"}</bdi> in <bdi>{roomName()}</bdi> · {exactTime(m().createdAt)}
          </span>
          <span class="quote-card-text" dir="auto" style={{ display: "block" }}>
            {m().content.length > 300 ? `${m().content.slice(0, 300)}…` : m().content}
          </span>
        </button>
      )}
    </Show>
  );
}
