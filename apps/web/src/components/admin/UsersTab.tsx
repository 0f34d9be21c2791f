import type { RouterOutputs } from "@parley/api";
import { createResource, createSignal, For, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { useApp } from "../../state/context.ts";

type AdminUser = RouterOutputs["admin"]["users"]["list"]["items"][number];

/** Every account: search, make or unmake admins, deactivate and reactivate. */
export function UsersTab() {
  const { client, chat } = useApp();
  const [query, setQuery] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [page, { refetch }] = createResource(query, (q) => client.api.admin.users.list.query({ query: q }));

  async function act(run: () => Promise<unknown>) {
    setError(null);
    try {
      await run();
      await refetch();
    } catch (err) {
      setError(plainError(err));
    }
  }
  const setRole = (u: AdminUser, role: "admin" | "member") => act(() => client.api.admin.users.setRole.mutate({ userId: u.id, role }));
  const deactivate = (u: AdminUser) => act(() => client.api.admin.users.deactivate.mutate({ userId: u.id }));
  const reactivate = (u: AdminUser) => act(() => client.api.admin.users.reactivate.mutate({ userId: u.id }));

  return (
    <section aria-label="Users">
      <div class="admin-row-form">
        <div class="field">
          <label for="admin-user-search">Search</label>
          <input id="admin-user-search" type="search" placeholder="username or e-mail" onInput={(e) => setQuery(e.currentTarget.value)} />
        </div>
      </div>
      <Show when={error()}>
        <p class="form-error" role="alert">
          {error()}
        </p>
      </Show>
      <div class="admin-scroll">
        <table class="admin-table" data-testid="admin-users">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={page()?.items ?? []}>
              {(u) => (
                <tr data-testid={`admin-user-${u.username}`}>
                  <td>
                    <bdi>{u.username}</bdi>
                  </td>
                  <td>{u.email}</td>
                  <td>{u.role === "admin" ? "Admin" : "Member"}</td>
                  <td>{u.deactivatedAt !== null ? "Deactivated" : u.online ? "Online" : "Active"}</td>
                  <td class="admin-actions">
                    <Show when={u.id !== chat.me.id}>
                      <button type="button" class="button button-ghost button-small" onClick={() => setRole(u, u.role === "admin" ? "member" : "admin")}>
                        {u.role === "admin" ? "Remove admin" : "Make admin"}
                      </button>
                      <Show
                        when={u.deactivatedAt === null}
                        fallback={
                          <button type="button" class="button button-ghost button-small" onClick={() => reactivate(u)}>
                            Reactivate
                          </button>
                        }
                      >
                        <button type="button" class="button button-danger button-small" onClick={() => deactivate(u)}>
                          Deactivate
                        </button>
                      </Show>
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
