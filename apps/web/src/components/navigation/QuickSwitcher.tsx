import type { RouterOutputs } from "@parley/api";
import { createMemo, createSignal, For } from "solid-js";
import { dmName } from "../../lib/dm-name.ts";
import { navigate } from "../../lib/route.ts";
import { rank } from "../../state/autocomplete.ts";
import { useApp } from "../../state/context.ts";
import { Icon } from "../Icon.tsx";
import { Modal } from "../Modal.tsx";
import "./navigation.css";

type Person = RouterOutputs["users"]["search"][number];
type Entry = { kind: "room" | "dm"; id: number; label: string; detail: string } | { kind: "person"; id: number; label: string; detail: string };

/**
 * Ctrl/Cmd+K: jump to a room, a DM or a person (opening the DM with them)
 * by typing part of the name. A combobox over a listbox: ↑/↓ move, Enter
 * opens, Esc closes (the dialog's own).
 */
export function QuickSwitcher(props: { open: boolean; onClose: () => void }) {
  const { client, chat } = useApp();
  const [query, setQuery] = createSignal("");
  const [active, setActive] = createSignal(0);
  const [people, setPeople] = createSignal<Person[]>([]);
  let seq = 0;

  const places = createMemo<Entry[]>(() =>
    chat.state.rooms
      .filter((r) => r.isMember || !r.isPrivate)
      .map((r) =>
        r.kind === "dm"
          ? { kind: "dm" as const, id: r.id, label: dmName(r.members, chat.me.id, chat.me.username), detail: "Direct message" }
          : { kind: "room" as const, id: r.id, label: r.name, detail: r.isMember ? "Room" : "Public room" },
      ),
  );
  const entries = createMemo<Entry[]>(() => {
    const q = query().trim();
    const found = rank(places(), q, (e) => e.label, 8);
    const dmWith = new Set(found.filter((e) => e.kind === "dm").map((e) => e.label.toLowerCase()));
    const persons = people()
      .filter((p) => p.id !== chat.me.id && !dmWith.has(p.username.toLowerCase()))
      .map((p) => ({ kind: "person" as const, id: p.id, label: p.username, detail: "Person" }));
    return [...found, ...persons].slice(0, 10);
  });

  async function search(q: string) {
    setQuery(q);
    setActive(0);
    const mine = ++seq;
    if (!q.trim()) return setPeople([]);
    const found = await client.api.users.search.query({ query: q.trim(), limit: 5 }).catch(() => []);
    if (mine === seq) setPeople(found);
  }

  async function choose(e: Entry | undefined) {
    if (!e) return;
    if (e.kind === "person") {
      const room = await client.openDm([e.id]).catch(() => null);
      if (room) {
        chat.upsertRoom(room);
        navigate({ name: "room", roomId: room.id });
      }
    } else navigate({ name: "room", roomId: e.id });
    close();
  }

  function close() {
    setQuery("");
    setPeople([]);
    props.onClose();
  }

  const optionId = (i: number) => `switcher-opt-${i}`;
  return (
    <Modal open={props.open} title="Jump to…" onClose={close} testId="quick-switcher">
      <div class="field">
      <input
        class="switcher-input"
        type="text"
        role="combobox"
        aria-label="Room, direct message or person"
        aria-expanded={entries().length > 0}
        aria-controls="switcher-list"
        aria-activedescendant={entries().length > 0 ? optionId(active()) : undefined}
        aria-autocomplete="list"
        placeholder="Type a room or a name"
        value={query()}
        autofocus
        onInput={(e) => void search(e.currentTarget.value)}
        onKeyDown={(e) => {
          const n = entries().length;
          if (n > 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
            e.preventDefault();
            setActive((a) => (a + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
          } else if (e.key === "Enter") {
            e.preventDefault();
            void choose(entries()[active()]);
          }
        }}
      />
      </div>
      <div class="switcher-list" id="switcher-list" role="listbox" aria-label="Matches">
        <For each={entries()} fallback={<div class="switcher-empty">{query().trim() ? "Nothing matches. Try part of a name." : "Your rooms and conversations show here."}</div>}>
          {(e, i) => (
            <div
              id={optionId(i())}
              tabIndex={-1}
              role="option"
              class="switcher-option"
              aria-selected={i() === active()}
              onMouseDown={(ev) => {
                ev.preventDefault();
                void choose(e);
              }}
            >
              <Icon name={e.kind === "room" ? "hash" : e.kind === "dm" ? "chat" : "users"} size={15} />
              <span class="switcher-label" dir="auto" title={e.label}>
                {e.label}
              </span>
              <span class="switcher-detail">{e.detail}</span>
            </div>
          )}
        </For>
      </div>
    </Modal>
  );
}
