import { createSignal, onCleanup } from "solid-js";
import { messageLink } from "../../state/search.ts";
import type { Message } from "../../state/types.ts";
import { Icon } from "../Icon.tsx";

const COPIED_MS = 1_500;

/** "Copy link": the message's permalink (`/r/<roomId>/m/<messageId>`) to the clipboard. */
export function CopyLinkAction(props: { message: Message }) {
  const [copied, setCopied] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  async function copy() {
    try {
      await navigator.clipboard.writeText(messageLink(props.message.roomId, props.message.id));
    } catch {
      return;
    }
    setCopied(true);
    clearTimeout(timer);
    timer = setTimeout(() => setCopied(false), COPIED_MS);
  }
  return (
    <button type="button" class="icon-button msg-action" aria-label={copied() ? "Link copied" : "Copy link"} title="Copy link" onClick={() => void copy()}>
      <Icon name="link" size={16} />
    </button>
  );
}
