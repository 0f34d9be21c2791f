import type { RouterOutputs } from "@parley/api";
import { changePasswordSchema, updateProfileSchema } from "@parley/api/schemas";
import { createResource, createSignal, For, lazy, Show, Suspense } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { PASSWORD_HINT } from "../../lib/password.ts";
import { theme, toggleTheme } from "../../lib/theme.ts";
import { relativeTime } from "../../lib/time.ts";
import { type FieldErrors, validate } from "../../lib/validate.ts";
import { useApp } from "../../state/context.ts";
import { Field } from "../Field.tsx";
import { Modal } from "../Modal.tsx";
import "./settings.css";

type Session = RouterOutputs["auth"]["sessions"][number];

// Issue 16: the avatar section is its own chunk, loaded when the dialog opens.
const AvatarPicker = lazy(() => import("../avatars/AvatarPicker.tsx"));

/** Display name and status: the same schema as the server's `users.updateProfile`. */
function ProfileSection() {
  const { client } = useApp();
  const [me] = createResource(() => client.api.auth.me.query());
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [note, setNote] = createSignal("");
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const v = validate(updateProfileSchema, { displayName: String(form.get("displayName") ?? ""), statusText: String(form.get("statusText") ?? "") });
    setNote("");
    if (!v.ok) return setErrors(v.errors);
    setErrors({});
    try {
      await client.api.users.updateProfile.mutate(v.data);
      setNote("Saved.");
    } catch (err) {
      setErrors({ form: plainError(err) });
    }
  };
  return (
    <form class="settings-section" onSubmit={submit} data-testid="settings-profile">
      <h3>Profile</h3>
      <Show when={me()} fallback={<p class="muted">Loading…</p>}>
        {(u) => (
          <>
            <Field label="Display name" name="displayName" value={u().displayName ?? ""} placeholder={u().username} error={errors().displayName} hint="Shown instead of your username; leave empty to use it." />
            <Field label="Status" name="statusText" value={u().statusText} error={errors().statusText} placeholder="What are you up to?" />
          </>
        )}
      </Show>
      <Show when={errors().form}>
        <p class="field-error">{errors().form}</p>
      </Show>
      <div class="settings-actions">
        <button type="submit" class="button">Save profile</button>
        <span class="field-ok" role="status">{note()}</span>
      </div>
    </form>
  );
}

/** Changing the password signs out every other session (the server revokes them). */
function PasswordSection(props: { onChanged: () => void }) {
  const { client } = useApp();
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [note, setNote] = createSignal("");
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const v = validate(changePasswordSchema, { currentPassword: String(form.get("currentPassword") ?? ""), newPassword: String(form.get("newPassword") ?? "") });
    setNote("");
    if (!v.ok) return setErrors(v.errors);
    setErrors({});
    try {
      const r = await client.api.auth.changePassword.mutate(v.data);
      formEl.reset();
      setNote(r.revokedSessions === 0 ? "Password changed." : `Password changed. ${r.revokedSessions} other ${r.revokedSessions === 1 ? "session was" : "sessions were"} signed out.`);
      props.onChanged();
    } catch (err) {
      setErrors({ form: plainError(err) });
    }
  };
  return (
    <form class="settings-section" onSubmit={submit} data-testid="settings-password">
      <h3>Password</h3>
      <Field label="Current password" name="currentPassword" type="password" autocomplete="current-password" error={errors().currentPassword} />
      <Field label="New password" name="newPassword" type="password" autocomplete="new-password" error={errors().newPassword} hint={PASSWORD_HINT} />
      <Show when={errors().form}>
        <p class="field-error">{errors().form}</p>
      </Show>
      <div class="settings-actions">
        <button type="submit" class="button">Change password</button>
        <span class="field-ok" role="status" data-testid="password-note">
          {note()}
        </span>
      </div>
    </form>
  );
}

function SessionsSection(props: { sessions: Session[] | undefined; onRevoke: (id: string) => void; error: string }) {
  return (
    <section class="settings-section" data-testid="settings-sessions">
      <h3>Sessions</h3>
      <p class="muted">Everywhere you are signed in. Signing one out closes it at once.</p>
      <Show when={props.error}>
        <p class="field-error">{props.error}</p>
      </Show>
      <ul class="session-list">
        <For each={props.sessions ?? []}>
          {(s) => (
            <li class="session" data-testid="session" data-current={s.current ? "true" : "false"}>
              <span>
                {s.current ? "This browser" : "Another device or browser"}
                <span class="muted"> · signed in {relativeTime(s.createdAt)}, active {relativeTime(s.lastActiveAt)}</span>
              </span>
              <Show when={!s.current}>
                <button type="button" class="button button-ghost button-small" onClick={() => props.onRevoke(s.id)}>
                  Sign out
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

export function SettingsDialog(props: { open: boolean; onClose: () => void }) {
  const { client } = useApp();
  const [sessions, { refetch }] = createResource(() => props.open || null, () => client.api.auth.sessions.query());
  const [revokeError, setRevokeError] = createSignal("");
  const revoke = async (id: string) => {
    setRevokeError("");
    try {
      await client.api.auth.revokeSession.mutate({ id });
    } catch (err) {
      setRevokeError(plainError(err));
    }
    void refetch();
  };
  return (
    <Modal open={props.open} title="Account settings" onClose={props.onClose} testId="settings">
      <div class="settings">
        <ProfileSection />
        <Suspense>
          <AvatarPicker />
        </Suspense>
        <PasswordSection onChanged={() => void refetch()} />
        <SessionsSection sessions={sessions()} onRevoke={(id) => void revoke(id)} error={revokeError()} />
        <section class="settings-section">
          <h3>Theme</h3>
          <p class="muted">Follows your system until you pick one; every open tab follows your pick.</p>
          <button type="button" class="button button-ghost" data-testid="settings-theme" onClick={toggleTheme}>
            {theme() === "dark" ? "Use the light theme" : "Use the dark theme"}
          </button>
        </section>
      </div>
    </Modal>
  );
}
