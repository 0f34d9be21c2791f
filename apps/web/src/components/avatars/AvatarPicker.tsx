import { createSignal, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { useApp } from "../../state/context.ts";
import { Avatar } from "../Avatar.tsx";
import "./avatars.css";

const ACCEPT = "image/png,image/jpeg,image/gif,image/webp,image/avif";

/**
 * The account's avatar (issue 16): a picture goes up through the same upload
 * path as any file, then `users.setAvatar` has the server make the square
 * WebP everyone sees; "Remove" goes back to initials.
 */
export default function AvatarPicker() {
  const { client, chat, avatars } = useApp();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal("");
  const [note, setNote] = createSignal("");
  const current = () => avatars.of(chat.me.id);
  let input: HTMLInputElement | undefined;

  async function run(what: () => Promise<{ id: number; avatarUrl: string | null }>, done: string) {
    setBusy(true);
    setError("");
    setNote("");
    try {
      const me = await what();
      avatars.set(me.id, me.avatarUrl);
      setNote(done);
    } catch (err) {
      setError(plainError(err));
    } finally {
      setBusy(false);
    }
  }

  function picked(file: File | undefined) {
    if (!file) return;
    void run(async () => {
      const uploaded = await client.upload(file, { name: file.name || "avatar" });
      return client.api.users.setAvatar.mutate({ fileId: uploaded.id });
    }, "Avatar updated.");
  }

  return (
    <section class="settings-section" data-testid="settings-avatar">
      <h3>Avatar</h3>
      <div class="avatar-picker">
        <Avatar name={chat.me.username} url={current()} />
        <div class="avatar-picker-actions">
          <button type="button" class="button button-ghost" disabled={busy()} onClick={() => input?.click()}>
            {busy() ? "Working…" : current() ? "Change picture" : "Upload a picture"}
          </button>
          <Show when={current()}>
            <button type="button" class="button button-ghost" disabled={busy()} onClick={() => void run(() => client.api.users.removeAvatar.mutate(), "Avatar removed.")}>
              Remove
            </button>
          </Show>
          <input
            ref={input}
            type="file"
            accept={ACCEPT}
            hidden
            data-testid="avatar-input"
            onChange={(e) => {
              picked(e.currentTarget.files?.[0]);
              e.currentTarget.value = "";
            }}
          />
        </div>
      </div>
      <p class="muted">PNG, JPEG, GIF, WebP or AVIF; cropped to a square. Anyone signed in to this server can see it.</p>
      <Show when={error()}>
        <p class="field-error" role="alert">
          {error()}
        </p>
      </Show>
      <span class="field-ok" role="status">
        {note()}
      </span>
    </section>
  );
}
