import { loadSchemas } from "../lib/schemas.ts";
import { createSignal, Show } from "solid-js";
import { plainError } from "../lib/errors.ts";
import { navigate } from "../lib/route.ts";
import { type FieldErrors, validate } from "../lib/validate.ts";
import { useApp } from "../state/context.ts";
import type { RoomItem } from "../state/types.ts";
import { Field } from "./Field.tsx";
import { ConfirmDialog, Modal } from "./Modal.tsx";

/** Rename, describe, change privacy, delete: admins only, each change confirmed when it cannot be undone. */
export function RoomSettings(props: { room: RoomItem; open: boolean; onClose: () => void }) {
  const { client, chat } = useApp();
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [serverError, setServerError] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  const [confirmPrivacy, setConfirmPrivacy] = createSignal<null | { name: string; description: string; isPrivate: boolean }>(null);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const [deleteError, setDeleteError] = createSignal<string | null>(null);

  async function save(patch: { name: string; description: string; isPrivate: boolean }) {
    setSaving(true);
    setServerError(null);
    try {
      const room = await client.api.rooms.update.mutate({ roomId: props.room.id, ...patch });
      chat.upsertRoom({ ...props.room, ...room });
      setConfirmPrivacy(null);
      props.onClose();
    } catch (err) {
      setConfirmPrivacy(null);
      setServerError(plainError(err));
    } finally {
      setSaving(false);
    }
  }

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const values = {
      roomId: props.room.id,
      name: String(form.get("name") ?? ""),
      description: String(form.get("description") ?? ""),
      isPrivate: form.get("isPrivate") === "on",
    };
    const checked = validate((await loadSchemas()).updateRoomSchema, values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const patch = { name: checked.data.name ?? "", description: checked.data.description ?? "", isPrivate: values.isPrivate };
    if (patch.isPrivate !== props.room.isPrivate) setConfirmPrivacy(patch);
    else void save(patch);
  }

  async function remove() {
    setSaving(true);
    setDeleteError(null);
    try {
      await client.api.rooms.delete.mutate({ roomId: props.room.id });
      chat.dropRoom(props.room.id);
      setConfirmDelete(false);
      props.onClose();
      navigate({ name: "home" });
    } catch (err) {
      setDeleteError(plainError(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal open={props.open} title="Room settings" onClose={props.onClose} testId="room-settings">
      <form class="stack" onSubmit={submit} novalidate>
        <Field label="Name" name="name" value={props.room.name} error={errors().name} />
        <div class="field">
          <label for="room-description">Description</label>
          <textarea id="room-description" name="description" rows="3" value={props.room.description} />
          <Show when={errors().description}>
            <p class="field-error">{errors().description}</p>
          </Show>
        </div>
        <label class="switch-row">
          <input type="checkbox" name="isPrivate" checked={props.room.isPrivate} />
          <span>
            <strong>Private room</strong>
            <span class="field-hint">Only members can find and read it.</span>
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
          <button type="submit" class="button button-primary" disabled={saving()}>
            Save changes
          </button>
        </div>
      </form>
      <section class="danger-zone" aria-labelledby="danger-heading">
        <h3 id="danger-heading">Delete this room</h3>
        <p class="field-hint">Everyone loses access to the room and its messages. This cannot be undone.</p>
        <button type="button" class="button button-danger" onClick={() => setConfirmDelete(true)}>
          Delete room
        </button>
      </section>
      <ConfirmDialog
        open={confirmPrivacy() !== null}
        title={confirmPrivacy()?.isPrivate ? "Make this room private?" : "Make this room public?"}
        message={
          confirmPrivacy()?.isPrivate
            ? "People who are not members will no longer see the room or its history."
            : "Everyone on this server will be able to find the room, read its history and join."
        }
        confirmLabel={confirmPrivacy()?.isPrivate ? "Make private" : "Make public"}
        busy={saving()}
        onConfirm={() => {
          const p = confirmPrivacy();
          if (p) void save(p);
        }}
        onCancel={() => setConfirmPrivacy(null)}
      />
      <ConfirmDialog
        open={confirmDelete()}
        title={`Delete ${props.room.name}?`}
        message="All of its messages will be gone for every member. This cannot be undone."
        confirmLabel="Delete room"
        danger
        busy={saving()}
        error={deleteError()}
        onConfirm={() => void remove()}
        onCancel={() => setConfirmDelete(false)}
      />
    </Modal>
  );
}
