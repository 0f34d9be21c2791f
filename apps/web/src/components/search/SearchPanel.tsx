import type { SearchHit, SearchPage } from "@parley/client";
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { dmName } from "../../lib/dm-name.ts";
import { plainError } from "../../lib/errors.ts";
import { exactTime } from "../../lib/time.ts";
import { useApp } from "../../state/context.ts";
import { focusMessage } from "../../state/search.ts";
import { Icon } from "../Icon.tsx";
import { completeFilter, parseBox, removeRange, snippet, typingFilter } from "./query-edit.ts";
import "./search.css";

const DEBOUNCE_MS = 200;

interface Group {
  roomId: number;
  name: string;
  hits: SearchHit[];
}

/**
 * The search dialog: the query box (the server's parser shows filters as
 * chips and a malformed query where it is wrong), autocomplete for `from:`
 * and `in:`, results grouped by room with the matches marked, paging on.
 * Choosing a result opens its room at that message.
 */
export function SearchPanel(props: { onClose: () => void }) {
  const { client, chat } = useApp();
  const [text, setText] = createSignal("");
  const [results, setResults] = createSignal<SearchHit[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [indexing, setIndexing] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [serverError, setServerError] = createSignal<string | null>(null);
  const [people, setPeople] = createSignal<string[]>([]);
  const [selected, setSelected] = createSignal(0);
  let input: HTMLInputElement | undefined;
  let request = 0;

  const parsed = createMemo(() => parseBox(text()));
  const typing = createMemo(() => typingFilter(text()));
  const suggestions = createMemo<string[]>(() => {
    const t = typing();
    if (!t) return [];
    if (t.kind === "in") {
      const p = t.prefix.toLowerCase();
      return chat.state.rooms
        .filter((r) => r.isMember && r.kind !== "dm" && r.name.toLowerCase().startsWith(p))
        .map((r) => r.name)
        .slice(0, 8);
    }
    return people();
  });

  // People for from: and in:@, by username prefix (the server's people search).
  createEffect(
    on(typing, (t) => {
      if (!t || t.kind === "in" || t.prefix === "") return setPeople([]);
      client.api.users.search.query({ query: t.prefix, limit: 8 }).then(
        (found) => setPeople(found.map((u) => u.username)),
        () => setPeople([]),
      );
    }),
  );

  async function run(query: string, more: string | null) {
    const mine = ++request;
    setBusy(true);
    try {
      const page: SearchPage = await client.search(query, { limit: 20, cursor: more });
      if (mine !== request) return;
      setServerError(null);
      setResults((prev) => (more ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setIndexing(page.indexing);
    } catch (err) {
      if (mine !== request) return;
      setServerError(plainError(err));
      if (!more) setResults([]);
    } finally {
      if (mine === request) setBusy(false);
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  createEffect(
    on(text, (q) => {
      clearTimeout(timer);
      setSelected(0);
      const p = parsed();
      if (q.trim() === "" || !p.ok) {
        request++;
        setResults([]);
        setCursor(null);
        setServerError(null);
        return;
      }
      timer = setTimeout(() => void run(q, null), DEBOUNCE_MS);
    }),
  );

  const groups = createMemo<Group[]>(() => {
    const byRoom = new Map<number, Group>();
    for (const hit of results()) {
      let g = byRoom.get(hit.room.id);
      if (!g) {
        const known = chat.state.rooms.find((r) => r.id === hit.room.id);
        const name = hit.room.kind === "dm" ? dmName(known?.members, chat.me.id, chat.me.username) : `#${hit.room.name}`;
        g = { roomId: hit.room.id, name, hits: [] };
        byRoom.set(hit.room.id, g);
      }
      g.hits.push(hit);
    }
    return [...byRoom.values()];
  });

  function pick(value: string) {
    const t = typing();
    if (!t) return;
    setText(completeFilter(text(), t, value));
    input?.focus();
  }

  function open(hit: SearchHit) {
    props.onClose();
    focusMessage(hit.room.id, hit.message.id);
  }

  function onKeyDown(e: KeyboardEvent) {
    const s = suggestions();
    if (e.key === "Escape") {
      e.preventDefault();
      props.onClose();
    } else if (s.length > 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      setSelected((i) => (i + (e.key === "ArrowDown" ? 1 : s.length - 1)) % s.length);
    } else if (s.length > 0 && (e.key === "Tab" || e.key === "Enter")) {
      e.preventDefault();
      pick(s[selected()] ?? s[0] ?? "");
    } else if (e.key === "Enter") {
      const first = results()[0];
      if (first) open(first);
    }
  }

  onMount(() => input?.focus());

  return (
    <div class="search-backdrop">
      <div class="search-panel" role="dialog" aria-modal="true" aria-label="Search messages">
        <div class="search-input-row">
          <Icon name="search" />
          <input
            ref={input}
            type="search"
            aria-label="Search messages"
            placeholder='Search: words, "a phrase", -exclude, from:, in:, before:, has:link, has:file…'
            value={text()}
            maxLength={500}
            aria-describedby="search-status"
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={onKeyDown}
          />
          <button type="button" class="icon-button" aria-label="Close search" onClick={() => props.onClose()}>
            <Icon name="close" />
          </button>
        </div>
        <Show when={parsed()} keyed>
          {(p) => (
            <Show when={p.ok && p.chips.length > 0 ? p.chips : null}>
              {(chips) => (
                <div class="search-chips">
                  <span class="sr-only">Filters:</span>
                  <For each={chips()}>
                    {(c) => (
                      <span class="search-chip">
                        {c.label}
                        <button type="button" class="icon-button" aria-label={`Remove ${c.label}`} onClick={() => setText(removeRange(text(), c.start, c.end))}>
                          <Icon name="close" size={12} />
                        </button>
                      </span>
                    )}
                  </For>
                </div>
              )}
            </Show>
          )}
        </Show>
        <Show when={suggestions().length > 0}>
          <ul class="search-suggestions" aria-label="Suggestions (Tab or Enter picks the marked one)">
            <For each={suggestions()}>
              {(s, i) => (
                <li>
                  <button
                    type="button"
                    class="link-button"
                    data-selected={i() === selected() ? "true" : undefined}
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => pick(s)}
                  >
                    {typing()?.kind === "in" ? `#${s}` : `@${s}`}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <div id="search-status" class="search-status" aria-live="polite">
          {(() => {
            const p = parsed();
            if (!p.ok) return `Query: ${p.error}`;
            if (serverError()) return serverError();
            if (text().trim() === "") return "Type to search the rooms and direct messages you are in.";
            if (busy() && results().length === 0) return "Searching…";
            const n = results().length;
            const note = indexing() ? " (still indexing older messages: some may be missing)" : "";
            return `${n === 0 ? "No messages found" : `${n}${cursor() ? "+" : ""} ${n === 1 ? "message" : "messages"}`}${note}`;
          })()}
        </div>
        <div class="search-results">
          <For each={groups()}>
            {(g) => (
              <section class="search-group" aria-label={g.name}>
                <h2>{g.name}</h2>
                <For each={g.hits}>
                  {(hit) => (
                    <button type="button" class="search-hit" data-message-id={hit.message.id} onClick={() => open(hit)}>
                      <span class="search-hit-meta">
                        <bdi>{hit.message.sender?.username ?? "Deleted user"}</bdi> · {exactTime(hit.message.createdAt)}
                      </span>
                      <span class="search-hit-text" dir="auto">
                        <For each={snippet(hit.message.content, hit.highlights)}>{(part) => (part.marked ? <mark>{part.text}</mark> : part.text)}</For>
                      </span>
                    </button>
                  )}
                </For>
              </section>
            )}
          </For>
          <Show when={cursor()}>
            {(c) => (
              <button type="button" class="button button-ghost search-more" disabled={busy()} onClick={() => void run(text(), c())}>
                More results
              </button>
            )}
          </Show>
        </div>
      </div>
    </div>
  );
}
