import { createMemo, createSignal, For, Show } from "solid-js";
import { navigate, route } from "../lib/route.ts";
import { useApp } from "../state/context.ts";
import { Avatar } from "./Avatar.tsx";
import { DmSection } from "./conversation/DmSection.tsx";
import { Icon } from "./Icon.tsx";
import { ConnectionStatus } from "./network/ConnectionStatus.tsx";
import { SettingsButton } from "./settings/SettingsButton.tsx";
import { SearchLauncher } from "./search/SearchLauncher.tsx";
import { ThemeToggle } from "./ThemeToggle.tsx";
import { ServerSettingsEntry } from "./admin/ServerSettingsEntry.tsx";
import { lazyNamed } from "../lib/lazy.ts";

const CreateRoomDialog = lazyNamed(() => import("./CreateRoomDialog.tsx").then((m) => m.CreateRoomDialog));

/** My rooms with unread badges, the way to browse and create rooms, and me. */
export function Sidebar() {
  const { chat, logout, closeDrawer, connection, avatars } = useApp();
  const online = () => connection().status === "open";
  const [creating, setCreating] = createSignal(false);
  const myRooms = createMemo(() =>
    chat.state.rooms.filter((r) => r.isMember && r.kind !== "dm").sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" })),
  );
  const activeId = () => {
    const r = route();
    return r.name === "room" ? r.roomId : null;
  };
  const go = (roomId: number) => {
    navigate({ name: "room", roomId });
    closeDrawer();
  };

  return (
    <nav class="sidebar" aria-label="Rooms">
      <div class="sidebar-header">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            P
          </span>
          <span>Parley</span>
        </div>
        <ThemeToggle />
      </div>

      <div class="sidebar-actions">
        <button
          type="button"
          class="sidebar-link"
          classList={{ active: route().name === "browse" }}
          aria-current={route().name === "browse" ? "page" : undefined}
          onClick={() => {
            navigate({ name: "browse" });
            closeDrawer();
          }}
        >
          <span class="sidebar-icon">
            <Icon name="search" size={16} />
          </span>
          Browse rooms
        </button>
        <button type="button" class="sidebar-link" onClick={() => setCreating(true)}>
          <span class="sidebar-icon">
            <Icon name="plus" size={16} />
          </span>
          Create room
        </button>
        <SearchLauncher />
        <ServerSettingsEntry />
      </div>

      <h2 class="sidebar-heading" id="my-rooms-heading">
        Your rooms
      </h2>
      <ul class="room-list" aria-labelledby="my-rooms-heading" data-testid="my-rooms">
        <For
          each={myRooms()}
          fallback={
            <li class="room-list-empty">
              <Show when={chat.state.roomsLoaded} fallback="Loading…">
                No rooms yet. Browse or create one.
              </Show>
            </li>
          }
        >
          {(room) => {
            const unread = () => chat.state.unread[room.id] ?? 0;
            return (
              <li>
                <a
                  href={`#/room/${room.id}`}
                  class="room-link"
                  classList={{ active: activeId() === room.id, unread: unread() > 0 }}
                  aria-current={activeId() === room.id ? "page" : undefined}
                  data-room-id={room.id}
                  onClick={(e) => {
                    e.preventDefault();
                    go(room.id);
                  }}
                >
                  <span class="room-hash">
                    <Icon name={room.isPrivate ? "lock" : "hash"} size={15} />
                  </span>
                  <span class="room-name" dir="auto" title={room.name}>
                    {room.name}
                  </span>
                  <Show when={room.isPrivate}>
                    <span class="sr-only">(private)</span>
                  </Show>
                  <Show when={unread() > 0}>
                    <span class="badge" data-testid="unread-badge">
                      {unread() > 99 ? "99+" : unread()}
                      <span class="sr-only"> unread</span>
                    </span>
                  </Show>
                </a>
              </li>
            );
          }}
        </For>
      </ul>

      <DmSection activeId={activeId()} go={go} />

      <div class="sidebar-footer">
        <Avatar name={chat.me.username} online={online()} url={avatars.of(chat.me.id)} />
        <div class="me">
          <span class="me-name" data-testid="me-name" dir="auto">
            {chat.me.username}
          </span>
          <ConnectionStatus />
        </div>
        <SettingsButton />
        <button type="button" class="button button-ghost button-small" onClick={logout}>
          Sign out
        </button>
      </div>

      <Show when={creating()}>
        <CreateRoomDialog
          open
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            go(id);
          }}
        />
      </Show>
    </nav>
  );
}
