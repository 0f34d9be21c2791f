import { createParleyClient, localStorageOutbox } from "@parley/client";
import { createEffect, createMemo, createSignal, Match, on, onCleanup, Show, Switch } from "solid-js";
import { chatClient } from "../lib/chat-client.ts";
import { createReadable } from "../lib/readable.ts";
import { navigate, route } from "../lib/route.ts";
import { loadSession, type StoredSession, saveSession } from "../lib/session.ts";
import { createChat } from "../state/chat.ts";
import { createAvatars } from "../state/avatars.ts";
import { AppContext } from "../state/context.ts";
import { createConversationEvents, createDmArrivals } from "../state/conversation.ts";
import type { ConnectionView } from "../state/types.ts";
import { makeViewMemory } from "../state/view-memory.ts";
import { makeDrafts } from "../state/drafts.ts";
import { createAttention } from "./attention/attention.ts";
import { Icon } from "./Icon.tsx";
import { ConnectionBanner } from "./ConnectionBanner.tsx";
import { createNavigationKeys } from "./navigation/keys.ts";
import { preloadMessageList, RoomView } from "./RoomView.tsx";
import { Sidebar } from "./Sidebar.tsx";
import { lazyNamed } from "../lib/lazy.ts";

const BrowseRooms = lazyNamed(() => import("./BrowseRooms.tsx").then((m) => m.BrowseRooms));
const QuickSwitcher = lazyNamed(() => import("./navigation/QuickSwitcher.tsx").then((m) => m.QuickSwitcher));

/**
 * The signed-in app. One client (one socket, one stream) lives as long as
 * this component; tokens it refreshes are written back to storage.
 */
export function ChatApp(props: { session: StoredSession; onSignedOut: (notice: string | null) => void }) {
  let signingOut = false;
  const client = createParleyClient({
    url: location.origin,
    credentials: {
      accessToken: props.session.accessToken,
      refreshToken: props.session.refreshToken,
      accessTokenExpiresAt: props.session.accessTokenExpiresAt,
    },
    onTokens: (tokens) => {
      if (tokens) saveSession({ ...props.session, ...tokens, user: client.user ?? props.session.user });
      else if (!signingOut) props.onSignedOut("Your session ended. Please sign in again.");
    },
    // Tabs share the session: a refresh in one tab is picked up by the others instead of reusing a spent token.
    loadTokens: () => {
      const s = loadSession();
      return s && s.user.id === props.session.user.id ? s : null;
    },
    storage: localStorageOutbox(`parley.outbox.${props.session.user.id}`),
  });
  onCleanup(() => void client.close());

  const chat = createChat(chatClient(client), props.session.user);
  createConversationEvents(chatClient(client), chat);
  createDmArrivals(chatClient(client), chat);
  const dividers = createAttention(client, chat);
  const avatars = createAvatars(client, props.session.user);
  const rawConnection = createReadable(client.connection);
  const connection = createMemo<ConnectionView>(() => {
    const c = rawConnection();
    return { status: c.status, attempt: c.attempt ?? 0, nextRetryAt: c.nextRetryAt ?? null };
  });
  const outbox = createReadable(client.outbox);
  const [drawer, setDrawer] = createSignal(false);

  // Back from a drop: presence and members may have moved while we were away.
  createEffect(
    on(
      () => connection().status,
      (status, prev) => {
        if (status === "open" && (prev === "reconnecting" || prev === "offline")) void chat.refreshAll();
      },
    ),
  );

  // Fetched alongside the first history page, not after it.
  preloadMessageList();

  // The route decides the open room; unread counts clear as it opens.
  createEffect(() => {
    const r = route();
    chat.openRoom(r.name === "room" ? r.roomId : null);
  });

  // A room that disappeared (deleted, or we were removed from a private one) sends us home.
  createEffect(() => {
    const r = route();
    if (r.name === "room" && chat.state.roomsLoaded && !chat.state.rooms.some((x) => x.id === r.roomId)) navigate({ name: "home" });
  });

  // Unread in the tab title; coming back to the tab reads the open room.
  createEffect(() => {
    const total = Object.values(chat.state.unread).reduce((a, b) => a + (b ?? 0), 0);
    document.title = total > 0 ? `(${total}) Parley` : "Parley";
  });
  const onVisible = () => {
    const id = chat.activeRoomId();
    if (!document.hidden && id !== null) chat.markRead(id);
  };
  document.addEventListener("visibilitychange", onVisible);
  onCleanup(() => {
    document.removeEventListener("visibilitychange", onVisible);
    document.title = "Parley";
  });

  const activeRoom = createMemo(() => {
    const r = route();
    return r.name === "room" ? chat.state.rooms.find((x) => x.id === r.roomId) : undefined;
  });

  /** Phone drawer: focus moves into it, Esc closes it. */
  function openDrawer() {
    setDrawer(true);
    requestAnimationFrame(() => document.querySelector<HTMLElement>("#sidebar .sidebar-link")?.focus());
  }
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape" && drawer()) setDrawer(false);
  };
  document.addEventListener("keydown", onKey);
  onCleanup(() => document.removeEventListener("keydown", onKey));

  // Ctrl/Cmd+K and Alt+↑/↓ (rooms in the sidebar's order, then DMs).
  const [switcher, setSwitcher] = createSignal(false);
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" });
  createNavigationKeys({
    openSwitcher: () => setSwitcher(true),
    order: () => {
      const mine = chat.state.rooms.filter((r) => r.isMember);
      return [...mine.filter((r) => r.kind !== "dm").sort(byName), ...mine.filter((r) => r.kind === "dm").sort(byName)].map((r) => r.id);
    },
    current: () => chat.activeRoomId(),
  });

  /** Changes only when another room opens, so edits to this room never remount its view. */
  const activeRoomId = createMemo(() => activeRoom()?.id);

  function logout() {
    signingOut = true;
    void client.logout().finally(() => props.onSignedOut(null));
  }

  return (
    <AppContext.Provider
      value={{
        client,
        chat,
        connection,
        outbox,
        logout,
        avatars,
        drafts: makeDrafts(`parley.drafts.${props.session.user.id}`),
        views: makeViewMemory(dividers),
        openDrawer,
        closeDrawer: () => setDrawer(false),
      }}
    >
      <div class="app" classList={{ "drawer-open": drawer(), disconnected: connection().status !== "open" }}>
        <a class="skip-link" href="#main">
          Skip to messages
        </a>
        <div class="sidebar-wrap" id="sidebar">
          <Sidebar />
        </div>
        <div class="drawer-backdrop" aria-hidden="true" onClick={() => setDrawer(false)} />
        <main class="main" id="main">
          <ConnectionBanner />
          <Switch fallback={<Home />}>
            <Match when={route().name === "browse"}>
              <BrowseRooms />
            </Match>
            <Match when={activeRoomId()} keyed>
              {(id) => <RoomShell roomId={id} />}
            </Match>
          </Switch>
        </main>
        <Show when={switcher()}>
          <QuickSwitcher open onClose={() => setSwitcher(false)} />
        </Show>
      </div>
    </AppContext.Provider>
  );

  /** Keyed by room id so each room gets a fresh list and composer, while room edits update in place. */
  function RoomShell(p: { roomId: number }) {
    const room = () => chat.state.rooms.find((x) => x.id === p.roomId);
    // Keyed: when the room goes away the view is disposed, never re-read with a stale room.
    return (
      <Show when={room()} keyed>
        {(r) => <RoomView room={r} />}
      </Show>
    );
  }

  function Home() {
    const count = () => chat.state.rooms.filter((r) => r.isMember).length;
    return (
      <section class="home" aria-labelledby="home-heading">
        <header class="pane-header">
          <button type="button" class="icon-button drawer-toggle" aria-label="Open rooms menu" onClick={openDrawer}>
            <Icon name="menu" />
          </button>
          <span class="pane-title">Home</span>
          <span class="home-hint">
            <kbd>Ctrl</kbd>+<kbd>K</kbd> to jump to a room or person
          </span>
        </header>
        <div class="home-body">
          <div class="home-mark">
            <Icon name="chat" size={34} />
          </div>
          <h1 id="home-heading">
            Hi <bdi>{chat.me.username}</bdi>!
          </h1>
          <p>
            {count() > 0
              ? "Pick a room from the sidebar, or find a new one."
              : chat.state.rooms.length > 0
                ? "You're not in any room yet. Browse the public rooms to join one, or start your own with “Create room”."
                : "This server has no rooms yet. Start the first one with “Create room” in the sidebar; everyone can find public rooms under Browse."}
          </p>
          <button type="button" class="button button-primary" onClick={() => navigate({ name: "browse" })}>
            Browse rooms
          </button>
        </div>
      </section>
    );
  }
}
