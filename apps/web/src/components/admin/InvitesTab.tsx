import { createInviteSchema } from "@parley/api/schemas";
import { createResource, createSignal, For, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { type FieldErrors, validate } from "../../lib/validate.ts";
import { useApp } from "../../state/context.ts";
import { Field } from "../Field.tsx";

const when = (ms: number | null) => (ms === null ? "never" : new Date(ms).toLocaleString());

/** Invite links: create (optional use limit and lifetime), copy, revoke. */
export function InvitesTab() {
  const { client } = useApp();
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [error, setError] = createSignal<string | null>(null);
  const [invites, { refetch }] = createResource(() => client.api.invites.list.query());
  const linkOf = (path: string) => `${location.origin}${path}`;

  async function create(e: SubmitEvent) {
    e.preventDefault();
    const el = e.currentTarget as HTMLFormElement;
    const form = new FormData(el);
    const uses = String(form.get("maxUses") ?? "").trim();
    const days = String(form.get("days") ?? "").trim();
    const values = { ...(uses ? { maxUses: Number(uses) } : {}), ...(days ? { expiresIn: Math.round(Number(days) * 86_400) } : {}) };
    const checked = validate(createInviteSchema, values);
    if (!checked.ok) return setErrors({ maxUses: checked.errors.maxUses ?? "", days: checked.errors.expiresIn ?? "" });
    setErrors({});
    setError(null);
    try {
      await client.api.invites.create.mutate(checked.data ?? {});
      el.reset();
      await refetch();
    } catch (err) {
      setError(plainError(err));
    }
  }

  async function revoke(code: string) {
    setError(null);
    try {
      await client.api.invites.revoke.mutate({ code });
      await refetch();
    } catch (err) {
      setError(plainError(err));
    }
  }

  return (
    <section aria-label="Invites">
      <form class="admin-row-form" onSubmit={create} noValidate>
        <Field label="Uses (empty: any)" name="maxUses" type="number" min="1" inputMode="numeric" error={errors().maxUses || undefined} />
        <Field label="Expires in days (empty: never)" name="days" type="number" min="1" inputMode="numeric" error={errors().days || undefined} />
        <button type="submit" class="button button-primary">
          Create invite link
        </button>
      </form>
      <Show when={error()}>
        <p class="form-error" role="alert">
          {error()}
        </p>
      </Show>
      <div class="admin-scroll">
        <table class="admin-table" data-testid="admin-invites">
          <thead>
            <tr>
              <th scope="col">Link</th>
              <th scope="col">Used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={invites() ?? []}>
              {(i) => (
                <tr>
                  <td class="admin-code" data-testid="invite-link">
                    {linkOf(i.link)}
                  </td>
                  <td>
                    {i.uses}
                    {i.maxUses === null ? "" : ` / ${i.maxUses}`}
                  </td>
                  <td>{i.revokedAt !== null ? "revoked" : when(i.expiresAt)}</td>
                  <td class="admin-actions">
                    <Show when={i.revokedAt === null}>
                      <button type="button" class="button button-ghost button-small" onClick={() => void navigator.clipboard?.writeText(linkOf(i.link))}>
                        Copy
                      </button>
                      <button type="button" class="button button-danger button-small" onClick={() => revoke(i.code)}>
                        Revoke
                      </button>
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  );
}
