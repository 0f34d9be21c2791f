import { createSignal, Show } from "solid-js";
import { plainError } from "../lib/errors.ts";
import { navigate } from "../lib/route.ts";
import { useApp } from "../state/context.ts";
import type { RoomItem } from "../state/types.ts";
import { Composer } from "./Composer.tsx";
import { MembersPanel } from "./MembersPanel.tsx";
import { MessageList } from "./MessageList.tsx";
import { Icon } from "./Icon.tsx";
import { ConfirmDialog } from "./Modal.tsx";
import { RoomSettings } from "./RoomSettings.tsx";
import { TypingIndicator } from "./TypingIndicator.tsx";

const wide = () => typeof matchMedia === "function" && matchMedia("(min-width: 1100px)").matches;

/** One room: header, messages, typing line, composer, and the members panel beside it. */
export function RoomView(props: { room: RoomItem }) {
  const { client, chat, openDrawer } = useApp();
  const [showMembers, setShowMembers] = createSignal(wide());
  const [settings, setSettings] = createSignal(false);
  const [leaving, setLeaving] = createSignal(false);
  const [leaveError, setLeaveError] = createSignal<string | null>(null);
  const [joinError, setJoinError] = createSignal<string | null>(null);

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
    <div class="room" classList={{ "with-members": showMembers() }}>
      <section class="room-main" aria-labelledby="room-title">
        <header class="pane-header">
          <button type="button" class="icon-button drawer-toggle" aria-label="Open rooms menu" onClick={openDrawer}>
            <Icon name="menu" />
          </button>
          <div class="room-heading">
            <h1 id="room-title" class="pane-title">
              <span class="room-hash">
                <Icon name={props.room.isPrivate ? "lock" : "hash"} size={17} />
              </span>
              <span class="room-title-text" dir="auto">
                {props.room.name}
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
            <Show when={props.room.isMember}>
              <button type="button" class="button button-ghost button-small" onClick={() => setLeaving(true)}>
                <Icon name="leave" size={16} />
                <span class="hide-narrow">Leave</span>
              </button>
            </Show>
          </div>
        </header>
        <MessageList roomId={props.room.id} roomName={props.room.name} roomDescription={props.room.description} />
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
          <Composer roomId={props.room.id} roomName={props.room.name} />
        </Show>
      </section>
      <Show when={showMembers()}>
        <div class="members-backdrop" aria-hidden="true" onClick={() => setShowMembers(false)} />
        <MembersPanel room={props.room} onClose={() => setShowMembers(false)} />
      </Show>
      <Show when={props.room.isAdmin}>
        <RoomSettings room={props.room} open={settings()} onClose={() => setSettings(false)} />
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
    </div>
  );
}
