import { createMemo, createSignal, Show } from "solid-js";
import { dmName } from "../lib/dm-name.ts";
import { plainError } from "../lib/errors.ts";
import { navigate } from "../lib/route.ts";
import { useApp } from "../state/context.ts";
import { makeRoomUi, RoomUiContext } from "../state/room-ui.ts";
import type { RoomItem } from "../state/types.ts";
import { Icon } from "./Icon.tsx";
import { ConfirmDialog } from "./Modal.tsx";
import { TypingIndicator } from "./TypingIndicator.tsx";
import { lazyNamed } from "../lib/lazy.ts";

/**
 * The message list (with the virtualiser, the rows and their rendering) is
 * its own chunk, fetched while the room's history is (`preloadMessageList`
 * starts both at once), so the sidebar and the header do not wait for it.
 */
const MessageList = lazyNamed(() => import("./MessageList.tsx").then((m) => m.MessageList));
/** The composer (autocomplete, uploads) likewise: fetched with the list. */
const Composer = lazyNamed(() => import("./Composer.tsx").then((m) => m.Composer));
export const preloadMessageList = (): void => {
  void MessageList.preload().catch(() => undefined);
  void Composer.preload().catch(() => undefined);
};
/** Delete confirmation, edit history, the emoji picker: needed only once someone acts on a message. */
const ConversationOverlays = lazyNamed(() => import("./conversation/Overlays.tsx").then((m) => m.ConversationOverlays));
/** A searched-for message shown in place; shares the message rows' chunk. */
const FocusedMessage = lazyNamed(() => import("./search/FocusedMessage.tsx").then((m) => m.FocusedMessage));
const ThreadPanel = lazyNamed(() => import("./conversation/ThreadPanel.tsx").then((m) => m.ThreadPanel));
const MembersPanel = lazyNamed(() => import("./MembersPanel.tsx").then((m) => m.MembersPanel));
const RoomSettings = lazyNamed(() => import("./RoomSettings.tsx").then((m) => m.RoomSettings));

const wide = () => typeof matchMedia === "function" && matchMedia("(min-width: 1100px)").matches;

/** One room: header, messages, typing line, composer, and the members panel beside it. */
export function RoomView(props: { room: RoomItem }) {
  const { client, chat, openDrawer } = useApp();
  const [showMembers, setShowMembers] = createSignal(wide());
  const [settings, setSettings] = createSignal(false);
  const [leaving, setLeaving] = createSignal(false);
  const [leaveError, setLeaveError] = createSignal<string | null>(null);
  const [joinError, setJoinError] = createSignal<string | null>(null);
  const isDm = () => props.room.kind === "dm";
  const title = () => (isDm() ? dmName(props.room.members, chat.me.id, chat.me.username) : props.room.name);

  /** Usernames this screen knows: the room's members (a DM's come with the room), and me. */
  const names = createMemo(() => {
    const map = new Map<number, string>([[chat.me.id, chat.me.username]]);
    for (const m of props.room.members ?? []) map.set(m.id, m.username);
    for (const m of chat.state.members[props.room.id] ?? []) map.set(m.userId, m.username);
    return map;
  });
  const ui = makeRoomUi({
    meId: chat.me.id,
    isAdmin: () => props.room.isAdmin,
    nameOf: (id) => names().get(id),
    react: (messageId, emoji) => void client.react(messageId, emoji).catch(() => undefined),
    unreact: (messageId, emoji) => void client.unreact(messageId, emoji).catch(() => undefined),
    edit: async (m, content) => chat.acknowledgeEdit(await client.edit(m.id, content, { rev: m.rev })),
  });
  const threadRootMessage = (id: number) => chat.state.timelines[props.room.id]?.items.byId(id);

  /** ↑ in the empty composer: edit our last message in this room (newest first, so usually the first look). */
  function editLast(composer: HTMLTextAreaElement): boolean {
    const items = chat.state.timelines[props.room.id]?.items.peek() ?? [];
    for (let i = items.length - 1; i >= 0; i--) {
      const m = items[i];
      if (m && m.kind === "text" && m.deletedAt === null && m.sender?.id === chat.me.id) {
        ui.startEdit(m.id, composer);
        return true;
      }
    }
    return false;
  }

  async function join() {
    setJoinError(null);
    try {
      await client.api.rooms.join.mutate({ roomId: props.room.id });
      chat.upsertRoom({ ...props.room, isMember: true, memberCount: props.room.memberCount + 1 });
      void chat.loadMembers(props.room.id);
    } catch (err) {
      setJoinError(plainError(err));
    }
  }

  async function leave() {
    setLeaveError(null);
    try {
      await client.api.rooms.leave.mutate({ roomId: props.room.id });
      setLeaving(false);
      navigate({ name: "home" });
    } catch (err) {
      setLeaveError(plainError(err));
    }
  }

  return (
    <RoomUiContext.Provider value={ui}>
    <div class="room" classList={{ "with-members": showMembers() && ui.threadRoot() === null, "with-thread": ui.threadRoot() !== null }}>
      <section class="room-main" aria-labelledby="room-title">
        <header class="pane-header">
          <button type="button" class="icon-button drawer-toggle" aria-label="Open rooms menu" onClick={openDrawer}>
            <Icon name="menu" />
          </button>
          <div class="room-heading">
            <h1 id="room-title" class="pane-title">
              <span class="room-hash">
                <Icon name={isDm() ? "chat" : props.room.isPrivate ? "lock" : "hash"} size={17} />
              </span>
              <span class="room-title-text" dir="auto" title={title()}>
                {title()}
              </span>
            </h1>
            <Show when={props.room.description}>
              <p class="room-topic" title={props.room.description} dir="auto">
                {props.room.description}
              </p>
            </Show>
          </div>
          <div class="header-actions">
            <button
              type="button"
              class="button button-ghost button-small"
              aria-pressed={showMembers()}
              onClick={() => setShowMembers((v) => !v)}
            >
              <Icon name="users" size={16} />
              <span class="sr-only">Members</span>
              {props.room.memberCount}
            </button>
            <Show when={props.room.isAdmin}>
              <button type="button" class="button button-ghost button-small" onClick={() => setSettings(true)}>
                <Icon name="settings" size={16} />
                <span class="hide-narrow">Settings</span>
              </button>
            </Show>
            <Show when={props.room.isMember && !isDm()}>
              <button type="button" class="button button-ghost button-small" onClick={() => setLeaving(true)}>
                <Icon name="leave" size={16} />
                <span class="hide-narrow">Leave</span>
              </button>
            </Show>
          </div>
        </header>
        <MessageList roomId={props.room.id} roomName={title()} roomDescription={props.room.description} />
        <FocusedMessage roomId={props.room.id} />
        <Show
          when={props.room.isMember}
          fallback={
            <div class="join-bar">
              <span>
                You are viewing <bdi>{props.room.name}</bdi>.
              </span>
              <button type="button" class="button button-primary" onClick={() => void join()}>
                Join room
              </button>
              <Show when={joinError()}>
                <span class="field-error" role="alert">
                  {joinError()}
                </span>
              </Show>
            </div>
          }
        >
          <TypingIndicator roomId={props.room.id} />
          <Composer roomId={props.room.id} roomName={title()} onEditLast={editLast} />
        </Show>
      </section>
      <Show when={ui.threadRoot()} keyed>
        {(rootId) => <ThreadPanel roomId={props.room.id} roomName={title()} rootId={rootId} knownRoot={threadRootMessage(rootId)} ui={ui} />}
      </Show>
      <Show when={showMembers() && ui.threadRoot() === null}>
        <div class="members-backdrop" aria-hidden="true" onClick={() => setShowMembers(false)} />
        <MembersPanel room={props.room} onClose={() => setShowMembers(false)} />
      </Show>
      <Show when={props.room.isAdmin && settings()}>
        <RoomSettings room={props.room} open onClose={() => setSettings(false)} />
      </Show>
      <ConfirmDialog
        open={leaving()}
        title={`Leave ${props.room.name}?`}
        message={
          props.room.isPrivate
            ? "This room is private: you will need an admin to add you again."
            : "You can join again later from Browse rooms."
        }
        confirmLabel="Leave room"
        danger
        error={leaveError()}
        onConfirm={() => void leave()}
        onCancel={() => setLeaving(false)}
      />
      <ConversationOverlays ui={ui} remove={(id) => client.delete(id)} />
    </div>
    </RoomUiContext.Provider>
  );
}
