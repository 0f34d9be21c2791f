import { createMemo, createSignal, For, Show } from "solid-js";
import { plainError } from "../lib/errors.ts";
import { slowNow } from "../lib/now.ts";
import { relativeTime } from "../lib/time.ts";
import { useApp } from "../state/context.ts";
import type { MemberItem, RoomItem } from "../state/types.ts";
import { Avatar } from "./Avatar.tsx";
import { ProfileTrigger } from "./people/ProfileCard.tsx";
import { Icon } from "./Icon.tsx";
import { ConfirmDialog } from "./Modal.tsx";

type Pending = { kind: "remove" | "promote" | "demote"; member: MemberItem };

/** Who is here and who is online; admins add, remove, promote and demote. */
export function MembersPanel(props: { room: RoomItem; onClose: () => void }) {
  const { client, chat, avatars } = useApp();
  const [username, setUsername] = createSignal("");
  const [addError, setAddError] = createSignal<string | null>(null);
  const [addNote, setAddNote] = createSignal<string | null>(null);
  const [adding, setAdding] = createSignal(false);
  const [confirm, setConfirm] = createSignal<Pending | null>(null);
  const [confirmError, setConfirmError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const members = createMemo(() => {
    const list = [...(chat.state.members[props.room.id] ?? [])];
    const online = (m: MemberItem) => (chat.state.online[m.userId] ? 1 : 0);
    return list.sort((a, b) => online(b) - online(a) || Number(b.isAdmin) - Number(a.isAdmin) || a.username.localeCompare(b.username));
  });
  const onlineCount = () => members().filter((m) => chat.state.online[m.userId]).length;

  async function add(e: SubmitEvent) {
    e.preventDefault();
    const name = username().trim();
    if (!name) {
      setAddError("Enter a username");
      return;
    }
    setAdding(true);
    setAddError(null);
    setAddNote(null);
    try {
      const m = await client.api.rooms.addMember.mutate({ roomId: props.room.id, username: name });
      setUsername("");
      setAddNote(`${m.username} was added.`);
      void chat.loadMembers(props.room.id);
    } catch (err) {
      setAddError(plainError(err));
    } finally {
      setAdding(false);
    }
  }

  async function run() {
    const c = confirm();
    if (!c) return;
    setBusy(true);
    setConfirmError(null);
    try {
      const roomId = props.room.id;
      const userId = c.member.userId;
      if (c.kind === "remove") await client.api.rooms.removeMember.mutate({ roomId, userId });
      else await client.api.rooms.setAdmin.mutate({ roomId, userId, isAdmin: c.kind === "promote" });
      setConfirm(null);
      void chat.loadMembers(roomId);
    } catch (err) {
      setConfirmError(plainError(err));
    } finally {
      setBusy(false);
    }
  }

  const text = (c: Pending) =>
    c.kind === "remove"
      ? {
          title: `Remove ${c.member.username}?`,
          message: `${c.member.username} will lose access to ${props.room.name}${props.room.isPrivate ? " and its history" : ""}.`,
          label: "Remove",
        }
      : c.kind === "promote"
        ? {
            title: `Make ${c.member.username} an admin?`,
            message: `Admins can rename the room, manage members and delete the room.`,
            label: "Make admin",
          }
        : {
            title: `Remove ${c.member.username} as admin?`,
            message: `${c.member.username} stays a member but can no longer manage the room.`,
            label: "Remove admin",
          };

  return (
    <aside class="members-panel" aria-labelledby="members-heading" data-testid="members-panel">
      <header class="panel-header">
        <h2 id="members-heading">
          Members <span class="muted">· {onlineCount()} online</span>
        </h2>
        <button type="button" class="icon-button" aria-label="Close members" onClick={() => props.onClose()}>
          <Icon name="close" />
        </button>
      </header>
      <Show when={props.room.isAdmin}>
        <form class="add-member" onSubmit={add}>
          <label for="add-member-input" class="field-label">
            Add someone by username
          </label>
          <div class="inline-form">
            <input
              id="add-member-input"
              value={username()}
              placeholder="username"
              autocapitalize="off"
              spellcheck={false}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
            <button type="submit" class="button button-primary button-small" disabled={adding()}>
              Add
            </button>
          </div>
          <Show when={addError()}>
            <p class="field-error" role="alert">
              {addError()}
            </p>
          </Show>
          <Show when={addNote()}>
            <p class="field-ok" role="status">
              {addNote()}
            </p>
          </Show>
        </form>
      </Show>
      <ul class="member-list">
        <For each={members()}>
          {(m) => {
            const online = () => !!chat.state.online[m.userId];
            return (
              <li class="member" data-user-id={m.userId} data-online={online() ? "true" : "false"}>
                <Avatar name={m.username} size="small" online={online()} url={avatars.of(m.userId, m.avatarUrl)} />
                <span class="member-name">
                  <ProfileTrigger userId={m.userId}>
                    <bdi>{m.username}</bdi>
                  </ProfileTrigger>
                  <Show when={m.userId === chat.me.id}>
                    <span class="muted"> (you)</span>
                  </Show>
                  <Show when={!online() && chat.state.lastSeen[m.userId]}>
                    {(at) => <span class="member-seen">last seen {relativeTime(at(), slowNow())}</span>}
                  </Show>
                </span>
                <span class="sr-only">{online() ? "online" : "offline"}</span>
                <Show when={m.isAdmin}>
                  <span class="tag">admin</span>
                </Show>
                <Show when={props.room.isAdmin && m.userId !== chat.me.id}>
                  <span class="member-actions">
                    <button
                      type="button"
                      class="link-button"
                      onClick={() => setConfirm({ kind: m.isAdmin ? "demote" : "promote", member: m })}
                    >
                      {m.isAdmin ? "Demote" : "Promote"}
                      <span class="sr-only"> {m.username}</span>
                    </button>
                    <button type="button" class="link-button danger" onClick={() => setConfirm({ kind: "remove", member: m })}>
                      Remove<span class="sr-only"> {m.username}</span>
                    </button>
                  </span>
                </Show>
              </li>
            );
          }}
        </For>
      </ul>
      <Show when={confirm()} keyed>
        {(c) => (
          <ConfirmDialog
            open={true}
            title={text(c).title}
            message={text(c).message}
            confirmLabel={text(c).label}
            danger={c.kind !== "promote"}
            busy={busy()}
            error={confirmError()}
            onConfirm={() => void run()}
            onCancel={() => {
              setConfirm(null);
              setConfirmError(null);
            }}
          />
        )}
      </Show>
    </aside>
  );
}
