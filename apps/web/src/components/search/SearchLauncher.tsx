import { createSignal, onCleanup, Show } from "solid-js";
import { Portal } from "solid-js/web";
import { Icon } from "../Icon.tsx";
import { lazyNamed } from "../../lib/lazy.ts";

const SearchPanel = lazyNamed(() => import("./SearchPanel.tsx").then((m) => m.SearchPanel));

/** Typing in a field: `/` is a character there, not the search shortcut. */
const editing = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");

/**
 * The "Search messages" button, and the shortcuts that open the same dialog
 * while the app has focus: `/` (outside text fields) and Ctrl/Cmd+F.
 */
export function SearchLauncher() {
  const [open, setOpen] = createSignal(false);
  let opener: HTMLElement | null = null;
  const show = () => {
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen(true);
  };
  const close = () => {
    setOpen(false);
    opener?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (open()) return;
    const findKey = (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "f";
    const slash = e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !editing(e.target);
    if (findKey || slash) {
      e.preventDefault();
      show();
    }
  };
  document.addEventListener("keydown", onKey);
  onCleanup(() => document.removeEventListener("keydown", onKey));
  return (
    <>
      <button type="button" class="sidebar-link search-launch" aria-keyshortcuts="/ Control+F Meta+F" onClick={show}>
        <span class="sidebar-icon">
          <Icon name="search" size={16} />
        </span>
        Search messages
      </button>
      <Show when={open()}>
        <Portal>
          <SearchPanel onClose={close} />
        </Portal>
      </Show>
    </>
  );
}
