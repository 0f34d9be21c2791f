import { For, Show } from "solid-js";
import { linkify } from "../lib/linkify.ts";
import { parseMessageLink } from "../state/search.ts";
import { MessageLinkCard } from "./search/MessageLinkCard.tsx";

/**
 * Message text as text nodes; http(s) links open in a new tab without access
 * to this page. Each link is its own left-to-right isolate, and holds no bidi
 * control (see linkify): it reads as its address, whatever text surrounds it.
 */
export function MessageText(props: { content: string }) {
  return (
    <For each={linkify(props.content)}>
      {(part) =>
        part.kind === "link" ? (
          <Show
            when={parseMessageLink(part.href)}
            keyed
            fallback={
              <a href={part.href} target="_blank" rel="noopener noreferrer nofollow" dir="ltr">
                {part.text}
              </a>
            }
          >
            {(target) => <MessageLinkCard href={part.href} text={part.text} roomId={target.roomId} messageId={target.messageId} />}
          </Show>
        ) : (
          part.text
        )
      }
    </For>
  );
}
