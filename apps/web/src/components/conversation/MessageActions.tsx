import { createSignal, onCleanup, Show } from "solid-js";
import type { RoomUi } from "../../state/room-ui.ts";
import type { Message } from "../../state/types.ts";
import { Icon } from "../Icon.tsx";
import { CopyLinkAction } from "../search/CopyLinkAction.tsx";

const COPIED_MS = 1_500;

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A message's actions, shown on hover and whenever focus is inside the
 * message (so keyboard users reach them by Tab): react, reply in thread,
 * edit and delete where allowed, copy text.
 */
export function MessageActions(props: { message: Message; ui: RoomUi; inThread?: boolean }) {
  const [copied, setCopied] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const m = () => props.message;
  return (
    <div class="msg-actions">
      <button
        type="button"
        class="icon-button msg-action"
        aria-label="Add reaction"
        title="Add reaction"
        onClick={(e) => props.ui.openPicker({ messageId: m().id, anchor: e.currentTarget })}
      >
        <Icon name="smile" size={16} />
      </button>
      <Show when={!props.inThread && m().threadId === null}>
        <button type="button" class="icon-button msg-action" aria-label="Reply in thread" title="Reply in thread" onClick={() => props.ui.openThread(m().id)}>
          <Icon name="reply" size={16} />
        </button>
      </Show>
      <Show when={props.ui.mine(m())}>
        <button type="button" class="icon-button msg-action" aria-label="Edit message" title="Edit" onClick={(e) => props.ui.startEdit(m().id, e.currentTarget)}>
          <Icon name="edit" size={16} />
        </button>
      </Show>
      <Show when={props.ui.canDelete(m())}>
        <button type="button" class="icon-button msg-action" aria-label="Delete message" title="Delete" onClick={() => props.ui.askDelete(m())}>
          <Icon name="trash" size={16} />
        </button>
      </Show>
      <button
        type="button"
        class="icon-button msg-action"
        aria-label={copied() ? "Copied" : "Copy text"}
        title="Copy text"
        onClick={() =>
          void copyText(m().content).then((ok) => {
            if (!ok) return;
            setCopied(true);
            clearTimeout(timer);
            timer = setTimeout(() => setCopied(false), COPIED_MS);
          })
        }
      >
        <Icon name="copy" size={16} />
      </button>
      <CopyLinkAction message={m()} />
      <span class="sr-only" aria-live="polite">
        {copied() ? "Copied to the clipboard" : ""}
      </span>
    </div>
  );
}
