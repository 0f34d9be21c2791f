import { For } from "solid-js";
import { linkify } from "../lib/linkify.ts";

/** Message text as text nodes; http(s) links open in a new tab without access to this page. */
export function MessageText(props: { content: string }) {
  return (
    <For each={linkify(props.content)}>
      {(part) =>
        part.kind === "link" ? (
          <a href={part.href} target="_blank" rel="noopener noreferrer">
            {part.text}
          </a>
        ) : (
          part.text
        )
      }
    </For>
  );
}
