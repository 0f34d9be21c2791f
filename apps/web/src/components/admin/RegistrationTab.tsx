import { REGISTRATION_MODES, type RegistrationMode, updateSettingsSchema } from "@parley/api/schemas";
import { createResource, createSignal, For, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { validate } from "../../lib/validate.ts";
import { useApp } from "../../state/context.ts";

const LABELS: Record<RegistrationMode, string> = {
  open: "Open: anyone can create an account",
  invite: "By invitation: only with an invite link",
  closed: "Closed: nobody can create an account",
};

/** Who may register, and from which e-mail domains; saved on the server, so every node applies it at once. */
export function RegistrationTab() {
  const { client } = useApp();
  const [settings, { mutate }] = createResource(() => client.api.admin.settings.get.query());
  const [error, setError] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);

  async function save(e: SubmitEvent) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const domains = String(form.get("domains") ?? "")
      .split(/[\s,]+/)
      .filter(Boolean);
    const checked = validate(updateSettingsSchema, { registration: form.get("registration"), emailDomains: domains });
    setSaved(false);
    if (!checked.ok) return setError(Object.values(checked.errors)[0] ?? "Check the form");
    setError(null);
    try {
      mutate(await client.api.admin.settings.update.mutate(checked.data));
      setSaved(true);
    } catch (err) {
      setError(plainError(err));
    }
  }

  return (
    <Show when={settings()} fallback={<p class="muted">Loading…</p>}>
      {(s) => (
        <form onSubmit={save} noValidate aria-label="Registration">
          <fieldset class="field">
            <legend class="field-label">Registration</legend>
            <For each={REGISTRATION_MODES}>
              {(mode) => (
                <label style={{ display: "block" }}>
                  <input type="radio" name="registration" value={mode} checked={s().registration === mode} /> {LABELS[mode]}
                </label>
              )}
            </For>
          </fieldset>
          <div class="field">
            <label for="admin-domains">Allowed e-mail domains (empty: any)</label>
            <input id="admin-domains" name="domains" value={s().emailDomains.join(", ")} placeholder="example.com, example.org" />
          </div>
          <Show when={error()}>
            <p class="form-error" role="alert">
              {error()}
            </p>
          </Show>
          <Show when={saved()}>
            <p class="muted" role="status">
              Saved.
            </p>
          </Show>
          <button type="submit" class="button button-primary">
            Save
          </button>
        </form>
      )}
    </Show>
  );
}
