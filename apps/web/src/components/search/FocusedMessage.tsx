import type { AroundPage } from "@parley/client";
import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { useApp } from "../../state/context.ts";
import { clearFocus, messageFocus } from "../../state/search.ts";
import { Icon } from "../Icon.tsx";
import { MessageItem } from "../MessageItem.tsx";
import "./search.css";

const HIGHLIGHT_MS = 4_000;
const AROUND = 41;

/** Scrolls a rendered message into the middle of its list and highlights it for a moment. */
function reveal(el: HTMLElement): void {
  el.scrollIntoView({ block: "center", behavior: "instant" });
  el.classList.add("msg-focus");
  setTimeout(() => el.classList.remove("msg-focus"), HIGHLIGHT_MS);
}

/**
 * The message a permalink or a search result asked for, in its room: if the
 * room's list has it, that list scrolls to it; otherwise a page of history
 * centred on it (`messages.around`) covers the list until "Back to latest".
 * Mounted once per room view, beside its message list.
 */
export function FocusedMessage(props: { roomId: number }) {
  const { client, chat } = useApp();
  const [page, setPage] = createSignal<AroundPage | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  let pane: HTMLElement | undefined;
  const wanted = () => {
    const f = messageFocus();
    return f && f.roomId === props.roomId ? f : null;
  };
  const loaded = () => chat.state.timelines[props.roomId]?.loaded === true;

  createEffect(
    on([wanted, loaded], ([f, ready]) => {
      if (!f || !ready) return;
      const inList = (chat.state.timelines[props.roomId]?.items.indexOf(f.messageId) ?? -1) !== -1;
      const el = inList ? document.querySelector<HTMLElement>(`.room-main .message-list [data-message-id="${f.messageId}"]`) : null;
      if (el) {
        setPage(null);
        reveal(el);
        clearFocus();
        return;
      }
      setError(null);
      client.around(props.roomId, f.messageId, AROUND).then(
        (p) => {
          setPage(p);
          clearFocus();
          requestAnimationFrame(() => {
            const target = pane?.querySelector<HTMLElement>(`[data-message-id="${f.messageId}"]`) ?? pane?.querySelector<HTMLElement>(`[data-message-id="${p.anchorId}"]`);
            if (target) reveal(target);
          });
        },
        (err: unknown) => {
          setError(plainError(err));
          clearFocus();
        },
      );
    }),
  );
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape" && page()) setPage(null);
  };
  document.addEventListener("keydown", onKey);
  onCleanup(() => document.removeEventListener("keydown", onKey));

  return (
    <>
      <Show when={error()}>
        <p class="form-error focus-error" role="alert">
          Could not open that message: {error()}{" "}
          <button type="button" class="link-button" onClick={() => setError(null)}>
            Dismiss
          </button>
        </p>
      </Show>
      <Show when={page()}>
        {(p) => (
          <section class="focus-view" aria-label="Messages around the linked message" ref={pane}>
            <div class="focus-bar">
              <span>Viewing older messages</span>
              <button type="button" class="button button-primary button-small" onClick={() => setPage(null)}>
                <Icon name="down" size={16} /> Back to latest
              </button>
            </div>
            <div class="focus-list">
              <For each={p().items}>
                {(m) => (
                  <MessageItem message={m} grouped={false} mine={m.sender?.id === chat.me.id} online={!!(m.sender && chat.state.online[m.sender.id])} />
                )}
              </For>
            </div>
          </section>
        )}
      </Show>
    </>
  );
}
