import { NO_UNREAD } from "@parley/client";
import { loadSchemas } from "../lib/schemas.ts";
import { createSignal, Show } from "solid-js";
import { plainError } from "../lib/errors.ts";
import { type FieldErrors, validate } from "../lib/validate.ts";
import { useApp } from "../state/context.ts";
import { Field } from "./Field.tsx";
import { Modal } from "./Modal.tsx";

export function CreateRoomDialog(props: { open: boolean; onClose: () => void; onCreated: (roomId: number) => void }) {
  const { client, chat } = useApp();
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [serverError, setServerError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const { createRoomSchema } = await loadSchemas();
    const checked = validate(createRoomSchema, {
      name: String(form.get("name") ?? ""),
      description: String(form.get("description") ?? ""),
      isPrivate: form.get("isPrivate") === "on",
    });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setServerError(null);
    setBusy(true);
    try {
      const room = await client.api.rooms.create.mutate(checked.data);
      chat.upsertRoom({ ...room, ...NO_UNREAD, isMember: true, isAdmin: true, memberCount: 1 });
      props.onCreated(room.id);
    } catch (err) {
      setServerError(plainError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal open={props.open} title="Create a room" onClose={props.onClose} testId="create-room-dialog">
      <form class="stack" onSubmit={submit} novalidate>
        <Field label="Name" name="name" placeholder="e.g. design-crit" maxLength={200} error={errors().name} autofocus />
        <div class="field">
          <label for="new-room-description">Description</label>
          <textarea
            id="new-room-description"
            name="description"
            rows="3"
            placeholder="What is this room about? (optional)"
            aria-invalid={errors().description ? "true" : undefined}
          />
          <Show when={errors().description}>
            <p class="field-error">{errors().description}</p>
          </Show>
        </div>
        <label class="switch-row">
          <input type="checkbox" name="isPrivate" />
          <span>
            <strong>Private room</strong>
            <span class="field-hint">Only members can see it; an admin adds people by username.</span>
          </span>
        </label>
        <Show when={serverError()}>
          <p class="form-error" role="alert">
            {serverError()}
          </p>
        </Show>
        <div class="modal-actions">
          <button type="button" class="button button-ghost" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={busy()}>
            {busy() ? "Creating…" : "Create room"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
