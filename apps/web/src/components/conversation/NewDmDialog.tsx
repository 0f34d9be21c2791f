import type { RouterOutputs } from "@parley/api";
import { DM_MAX_OTHERS } from "@parley/api/limits";
import { loadSchemas } from "../../lib/schemas.ts";
import { createSignal, For, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { useApp } from "../../state/context.ts";
import { Avatar } from "../Avatar.tsx";
import { Field } from "../Field.tsx";
import { Modal } from "../Modal.tsx";

type Person = RouterOutputs["users"]["search"][number];

/**
 * "New message": find people by username (`users.search`), pick 1–8, and
 * open the DM with them (`dms.open`: the same people always get the same room).
 */
export function NewDmDialog(props: { open: boolean; onClose: () => void; onOpened: (roomId: number) => void }) {
  const { client, chat, avatars } = useApp();
  const [query, setQuery] = createSignal("");
  const [results, setResults] = createSignal<Person[]>([]);
  const [picked, setPicked] = createSignal<Person[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  /** Only the newest search's answer is shown: answers may come back out of order. */
  let searchSeq = 0;

  async function search(q: string) {
    setQuery(q);
    const seq = ++searchSeq;
    if (!q.trim()) {
      setResults([]);
      return;
    }
    try {
      const found = await client.api.users.search.query({ query: q, limit: 10 });
      if (seq === searchSeq) setResults(found.filter((p) => p.id !== chat.me.id));
    } catch (err) {
      if (seq === searchSeq) setError(plainError(err));
    }
  }

  function toggle(p: Person) {
    setError(null);
    setPicked((cur) => (cur.some((x) => x.id === p.id) ? cur.filter((x) => x.id !== p.id) : [...cur, p]));
  }

  async function open(e: SubmitEvent) {
    e.preventDefault();
    const checked = (await loadSchemas()).openDmSchema.safeParse({ userIds: picked().map((p) => p.id) });
    if (!checked.success) {
      setError(checked.error.issues[0]?.message ?? "Pick up to 8 people");
      return;
    }
    if (checked.data.userIds.length === 0) {
      setError("Pick someone to write to");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const room = await client.openDm(checked.data.userIds);
      chat.upsertRoom(room);
      setPicked([]);
      setResults([]);
      setQuery("");
      props.onOpened(room.id);
    } catch (err) {
      setError(plainError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal open={props.open} title="New message" onClose={props.onClose} testId="new-dm-dialog">
      <form class="stack" onSubmit={open} novalidate>
        <Field
          label="To"
          name="people"
          placeholder="Search people by username"
          autocomplete="off"
          hint={`Up to ${DM_MAX_OTHERS} people.`}
          value={query()}
          onInput={(e) => void search(e.currentTarget.value)}
          autofocus
        />
        <Show when={picked().length > 0}>
          <ul class="dm-picked" aria-label="Picked">
            <For each={picked()}>
              {(p) => (
                <li>
                  <button type="button" class="dm-chip" aria-label={`Remove ${p.username}`} onClick={() => toggle(p)}>
                    <bdi>{p.username}</bdi> ×
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <ul class="dm-results" aria-label="People found" data-testid="dm-results">
          <For each={results()}>
            {(p) => {
              const on = () => picked().some((x) => x.id === p.id);
              return (
                <li>
                  <button type="button" class="dm-result" aria-pressed={on()} onClick={() => toggle(p)}>
                    <Avatar name={p.username} size="small" online={p.online} url={avatars.of(p.id, p.avatarUrl)} />
                    <bdi>{p.username}</bdi>
                    <span class="sr-only">{p.online ? "(online)" : "(offline)"}</span>
                  </button>
                </li>
              );
            }}
          </For>
        </ul>
        <Show when={error()}>
          <p class="form-error" role="alert">
            {error()}
          </p>
        </Show>
        <div class="modal-actions">
          <button type="button" class="button button-ghost" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={busy()}>
            {busy() ? "Opening…" : "Open conversation"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
