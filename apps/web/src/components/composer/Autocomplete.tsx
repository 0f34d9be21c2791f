import { createMemo, createSignal, For, Show } from "solid-js";
import { shortcodes } from "../../lib/richtext/emoji.ts";
import { applySuggestion, rank, type Suggestion, type Token, tokenAt } from "../../state/autocomplete.ts";
import type { makeCommandList } from "../../state/commands.ts";
import { useApp } from "../../state/context.ts";

/**
 * Suggestions for the token at the composer's caret, as an accessible
 * listbox tied to the textarea (`aria-activedescendant`): ↑/↓ move,
 * Enter/Tab choose, Esc closes. `make*`: plain signals; the composer feeds
 * it the text and caret and asks it first about each key.
 */
export function makeAutocomplete(opts: {
  roomId: number;
  listId: string;
  apply: (text: string, caret: number) => void;
  /** The room's slash commands, offered for a leading `/` (a room's composer; a thread's has none). */
  commands?: ReturnType<typeof makeCommandList>;
}) {
  const { chat } = useApp();
  const [state, setState] = createSignal<{ text: string; caret: number } | null>(null);
  const [active, setActive] = createSignal(0);
  const [dismissed, setDismissed] = createSignal<number | null>(null);
  const token = createMemo<Token | null>(() => {
    const s = state();
    const t = s ? tokenAt(s.text, s.caret, opts.commands !== undefined) : null;
    return t && t.start !== dismissed() ? t : null;
  });
  const items = createMemo<Suggestion[]>(() => {
    const t = token();
    if (!t) return [];
    if (t.trigger === "@") {
      const people = (chat.state.members[opts.roomId] ?? []).filter((m) => m.userId !== chat.me.id);
      const found = rank(people, t.query, (m) => m.username).map((m) => ({ label: m.username, insert: `@${m.username}` }));
      const special = rank(["here", "room"], t.query, (s) => s).map((s) => ({ label: s, detail: s === "here" ? "everyone online" : "everyone in the room", insert: `@${s}` }));
      return [...found, ...special].slice(0, 8);
    }
    if (t.trigger === "/") {
      const list = opts.commands?.items() ?? [];
      return rank(list, t.query, (c) => c.trigger).map((c) => ({ label: c.usage, detail: c.description, insert: `/${c.trigger}` }));
    }
    if (t.trigger === "#") {
      const rooms = chat.state.rooms.filter((r) => r.kind !== "dm" && (r.isMember || !r.isPrivate));
      return rank(rooms, t.query, (r) => r.name).map((r) => ({ label: r.name, detail: r.description || undefined, insert: `#${r.name}` }));
    }
    const map = shortcodes();
    if (!map) return [];
    return rank(map.entries(), t.query, ([code]) => code).map(([code, emoji]) => ({ label: `${emoji}  :${code}:`, insert: emoji }));
  });
  const open = () => items().length > 0;
  const optionId = (i: number) => `${opts.listId}-opt-${i}`;

  function choose(i: number) {
    const s = state();
    const t = token();
    const item = items()[i];
    if (!s || !t || !item) return;
    const next = applySuggestion(s.text, s.caret, t, item);
    setState(null);
    opts.apply(next.text, next.caret);
  }

  return {
    /** The composer tells it where the caret is after each input, click or caret key. */
    update(text: string, caret: number) {
      setState({ text, caret });
      setActive(0);
      const t = tokenAt(text, caret, opts.commands !== undefined);
      // The room's commands are fetched the first time a message starts with "/".
      if (t?.trigger === "/") opts.commands?.load().catch(() => undefined);
      if (dismissed() !== null && t?.start !== dismissed()) setDismissed(null);
    },
    /** Handles the key if the list is open; true when it did. */
    onKey(e: KeyboardEvent): boolean {
      if (!open()) return false;
      const n = items().length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        setActive((a) => (a + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
        return true;
      }
      if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
        choose(active());
        return true;
      }
      if (e.key === "Escape") {
        setDismissed(token()?.start ?? null);
        return true;
      }
      return false;
    },
    /** Attributes for the textarea (a textbox: no combobox role on a textarea, so no aria-expanded either). */
    inputProps: () => ({
      "aria-autocomplete": "list" as const,
      "aria-controls": open() ? opts.listId : undefined,
      "aria-activedescendant": open() ? optionId(active()) : undefined,
    }),
    List: () => (
      <Show when={open()}>
        <div class="autocomplete" id={opts.listId} role="listbox" aria-label="Suggestions">
          <For each={items()}>
            {(item, i) => (
              <div
                id={optionId(i())}
                tabIndex={-1}
                role="option"
                class="autocomplete-option"
                aria-selected={i() === active()}
                onMouseDown={(e) => {
                  // Keep focus in the textarea.
                  e.preventDefault();
                  choose(i());
                }}
              >
                <span dir="auto">{item.label}</span>
                <Show when={item.detail}>
                  <span class="autocomplete-detail" dir="auto">
                    {item.detail}
                  </span>
                </Show>
              </div>
            )}
          </For>
        </div>
      </Show>
    ),
  };
}
