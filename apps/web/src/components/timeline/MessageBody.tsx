import { createSignal, type JSX, Show } from "solid-js";
import { Markdown } from "../richtext/Markdown.tsx";

/** Past this many lines (written, or ~80 characters each when wrapped) a message starts collapsed. */
export const COLLAPSE_LINES = 20;
const WRAP_CHARS = 80;

/** Cheap and measured from the text alone (no layout read per row in a long list). */
export function isLong(content: string): boolean {
  if (content.length > COLLAPSE_LINES * WRAP_CHARS) return true;
  let lines = 0;
  for (const line of content.split("\n")) {
    lines += Math.max(1, Math.ceil(line.length / WRAP_CHARS));
    if (lines > COLLAPSE_LINES) return true;
  }
  return false;
}

/**
 * A message's rich text, isolated for bidi, collapsed past about 20 lines
 * with "Show more"; `after` goes at the end of its last line ("(edited)").
 */
export function MessageBody(props: { content: string; after?: JSX.Element }) {
  const [expanded, setExpanded] = createSignal(false);
  const collapsed = () => !expanded() && isLong(props.content);
  return (
    <>
      <div class="msg-text" dir="auto" classList={{ "msg-collapsed": collapsed() }}>
        <Markdown content={props.content} />
        {props.after}
      </div>
      <Show when={isLong(props.content)}>
        <button type="button" class="link-button msg-more" aria-expanded={expanded()} onClick={() => setExpanded((v) => !v)}>
          {expanded() ? "Show less" : "Show more"}
        </button>
      </Show>
    </>
  );
}
