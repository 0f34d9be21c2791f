import { For } from "solid-js";
import { linkify } from "../lib/linkify.ts";

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
          <a href={part.href} target="_blank" rel="noopener noreferrer" dir="ltr">
            {part.text}
          </a>
        ) : (
          part.text
        )
      }
    </For>
  );
}
