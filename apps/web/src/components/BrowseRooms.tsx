import { createMemo, createSignal, For, Show } from "solid-js";
import { plainError } from "../lib/errors.ts";
import { navigate } from "../lib/route.ts";
import { useApp } from "../state/context.ts";
import { Icon } from "./Icon.tsx";

/** Public rooms, with a way in. */
export function BrowseRooms() {
  const { client, chat, openDrawer } = useApp();
  const [query, setQuery] = createSignal("");
  const [busy, setBusy] = createSignal<number | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const rooms = createMemo(() => {
    const q = query().trim().toLowerCase();
    return chat.state.rooms
      .filter((r) => !r.isPrivate || r.isMember)
      .filter((r) => !q || r.name.toLowerCase().includes(q) || r.description.toLowerCase().includes(q))
      .sort((a, b) => b.memberCount - a.memberCount || a.name.localeCompare(b.name));
  });

  async function join(roomId: number) {
    setBusy(roomId);
    setError(null);
    try {
      await client.api.rooms.join.mutate({ roomId });
      const room = chat.state.rooms.find((r) => r.id === roomId);
      if (room && !room.isMember) chat.upsertRoom({ ...room, isMember: true, memberCount: room.memberCount + 1 });
      navigate({ name: "room", roomId });
    } catch (err) {
      setError(plainError(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="browse" aria-labelledby="browse-heading">
      <header class="pane-header">
        <button type="button" class="icon-button drawer-toggle" aria-label="Open rooms menu" onClick={openDrawer}>
          <Icon name="menu" />
        </button>
        <h1 id="browse-heading" class="pane-title">
          Browse rooms
        </h1>
      </header>
      <div class="browse-body">
        <div class="field">
          <label for="room-search" class="sr-only">
            Search rooms
          </label>
          <input
            id="room-search"
            type="search"
            placeholder="Search rooms by name or topic"
            value={query()}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </div>
        <Show when={error()}>
          <p class="form-error" role="alert">
            {error()}
          </p>
        </Show>
        <ul class="browse-list" data-testid="browse-list">
          <For
            each={rooms()}
            fallback={
              <li class="empty">
                {query().trim()
                  ? `No room matches “${query().trim()}”. Try another word, or create the room from the sidebar.`
                  : "There are no public rooms yet. Create the first one with “Create room” in the sidebar, and invite people to it."}
              </li>
            }
          >
            {(room) => (
              <li class="browse-item" data-room-id={room.id}>
                <div class="browse-info">
                  <h2 class="browse-name">
                    <Icon name={room.isPrivate ? "lock" : "hash"} size={15} />
                    <bdi>{room.name}</bdi>
                  </h2>
                  <p class="browse-description" dir="auto">
                    {room.description || "No description"}
                  </p>
                  <p class="browse-meta">
                    {room.memberCount} {room.memberCount === 1 ? "member" : "members"}
                  </p>
                </div>
                <Show
                  when={room.isMember}
                  fallback={
                    <button
                      type="button"
                      class="button button-primary"
                      disabled={busy() === room.id}
                      aria-label={`Join ${room.name}`}
                      onClick={() => void join(room.id)}
                    >
                      {busy() === room.id ? "Joining…" : "Join"}
                    </button>
                  }
                >
                  <button
                    type="button"
                    class="button button-ghost"
                    aria-label={`Open ${room.name}`}
                    onClick={() => navigate({ name: "room", roomId: room.id })}
                  >
                    Open
                  </button>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </div>
    </section>
  );
}
