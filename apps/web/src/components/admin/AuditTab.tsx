import type { RouterOutputs } from "@parley/api";
import { createSignal, For, onMount, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { useApp } from "../../state/context.ts";

type Entry = RouterOutputs["admin"]["audit"]["list"]["items"][number];

/** Every admin and moderation action, newest first: who, what, on what, when. */
export function AuditTab() {
  const { client } = useApp();
  const [items, setItems] = createSignal<Entry[]>([]);
  const [cursor, setCursor] = createSignal<number | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  async function more(from: number | null) {
    try {
      const page = await client.api.admin.audit.list.query(from === null ? {} : { cursor: from });
      setItems((prev) => [...prev, ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(plainError(err));
    }
  }
  onMount(() => void more(null));

  return (
    <section aria-label="Audit log">
      <Show when={error()}>
        <p class="form-error" role="alert">
          {error()}
        </p>
      </Show>
      <div class="admin-scroll">
        <table class="admin-table" data-testid="admin-audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            <For each={items()} fallback={<tr><td colSpan={4} class="muted">Nothing yet.</td></tr>}>
              {(a) => (
                <tr>
                  <td>{new Date(a.createdAt).toLocaleString()}</td>
                  <td>
                    <bdi>{a.actor.username ?? `#${a.actor.id}`}</bdi>
                  </td>
                  <td>{a.action}</td>
                  <td>
                    {a.target.type}
                    {a.target.id === null ? "" : ` ${a.target.id}`}
                    {typeof a.detail.username === "string" ? ` (${a.detail.username})` : ""}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={cursor() !== null}>
        <button type="button" class="button button-ghost button-small" onClick={() => void more(cursor())}>
          Older
        </button>
      </Show>
    </section>
  );
}
