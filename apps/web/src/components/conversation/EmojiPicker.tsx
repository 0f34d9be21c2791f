import emojiDataUrl from "emoji-picker-element-data/en/emojibase/data.json?url";
import { createEffect, createSignal, onCleanup, Show } from "solid-js";
import type { PickerTarget } from "../../state/room-ui.ts";
import { Modal } from "../Modal.tsx";

/**
 * The picker (emoji-picker-element, a web component) and its emoji data are
 * loaded on first use only: the picker is its own chunk, and the data a
 * hashed file served by us (the CSP allows no other origin), fetched when the
 * picker first opens and kept in IndexedDB by the picker after that.
 */
let loading: Promise<void> | undefined;
const loadPicker = () => {
  loading ??= import("emoji-picker-element").then(() => undefined);
  return loading;
};

/**
 * Emoji this old or older are shown without the picker's own support test,
 * which draws each one on a canvas (slow, and wrong on machines without a
 * colour emoji font, where it would hide them all): 15.1 is what current
 * browsers and systems render.
 */
const EMOJI_VERSION = 15.1;

/** "Add reaction": a dialog around the lazily loaded picker; choosing an emoji reacts with it. */
export function EmojiPickerDialog(props: { target: PickerTarget | null; onPick: (messageId: number, emoji: string) => void; onClose: () => void }) {
  const [failed, setFailed] = createSignal(false);
  let host: HTMLDivElement | undefined;

  createEffect(() => {
    const target = props.target;
    if (!target) return;
    let picker: HTMLElement | undefined;
    let cancelled = false;
    const onClick = (e: Event) => {
      const unicode = (e as CustomEvent<{ unicode?: string }>).detail.unicode;
      if (unicode) props.onPick(target.messageId, unicode);
    };
    setFailed(false);
    loadPicker().then(
      () => {
        if (cancelled || !host) return;
        const el = document.createElement("emoji-picker");
        el.dataSource = emojiDataUrl;
        el.locale = "en";
        el.setAttribute("emoji-version", String(EMOJI_VERSION));
        el.classList.add(document.documentElement.dataset.theme === "dark" ? "dark" : "light");
        el.addEventListener("emoji-click", onClick);
        host.replaceChildren(el);
        picker = el;
        // The search field, so typing a name finds the emoji at once.
        requestAnimationFrame(() => el.shadowRoot?.querySelector<HTMLInputElement>("input")?.focus());
      },
      () => setFailed(true),
    );
    onCleanup(() => {
      cancelled = true;
      picker?.removeEventListener("emoji-click", onClick);
      picker?.remove();
    });
  });

  return (
    <Modal open={props.target !== null} title="Add reaction" onClose={props.onClose} testId="emoji-picker-dialog">
      <div class="emoji-picker-host" ref={host}>
        <p class="emoji-picker-loading">Loading emoji…</p>
      </div>
      <Show when={failed()}>
        <p class="form-error" role="alert">
          The emoji picker could not be loaded. Check your connection and try again.
        </p>
      </Show>
    </Modal>
  );
}
