import type { RouterOutputs } from "@parley/api";
import { createResource, onCleanup, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { relativeTime } from "../../lib/time.ts";
import { useApp } from "../../state/context.ts";
import { Avatar } from "../Avatar.tsx";
import { Modal } from "../Modal.tsx";
import "./people.css";

type Profile = RouterOutputs["users"]["profile"];

/** Someone's card: name, username, status and presence, kept current by `user.updated` while it is open. */
export function ProfileCard(props: { userId: number; onClose: () => void }) {
  const { client, chat, avatars } = useApp();
  const [loaded, { mutate }] = createResource(() => props.userId, (userId) => client.api.users.profile.query({ userId }));
  const off = client.events.on("user.updated", (e) => {
    const p = loaded();
    if (p && e.user.id === p.id) mutate({ ...p, ...e.user });
  });
  onCleanup(off);
  const online = (p: Profile) => chat.state.online[p.id] ?? p.online;
  return (
    <Modal open title="Profile" size="small" onClose={props.onClose} testId="profile-card">
      <Show when={!loaded.error} fallback={<p class="field-error">{plainError(loaded.error)}</p>}>
        <Show when={loaded()} fallback={<p class="muted">Loading…</p>}>
          {(p) => (
            <div class="profile-card">
              <Avatar name={p().username} online={online(p())} url={avatars.of(p().id, p().avatarUrl)} />
              <div class="profile-card-text">
                <p class="profile-card-name" dir="auto" data-testid="profile-name">
                  {p().displayName ?? p().username}
                </p>
                <p class="muted">
                  @<bdi>{p().username}</bdi>
                  {" · "}
                  {online(p()) ? "online" : p().lastSeen ? `last seen ${relativeTime(p().lastSeen ?? 0)}` : "offline"}
                </p>
                <Show when={p().statusText}>
                  <p class="profile-card-status" dir="auto" data-testid="profile-status">
                    {p().statusText}
                  </p>
                </Show>
              </div>
            </div>
          )}
        </Show>
      </Show>
    </Modal>
  );
}
