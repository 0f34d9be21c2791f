import { createSignal, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import type { RoomUi } from "../../state/room-ui.ts";
import { ConfirmDialog } from "../Modal.tsx";
import { EmojiPickerDialog } from "./EmojiPicker.tsx";
import { lazyNamed } from "../../lib/lazy.ts";

const RevisionsDialog = lazyNamed(() => import("./RevisionsDialog.tsx").then((m) => m.RevisionsDialog));

/** The room's message dialogs: delete (asked first, Cancel focused), edit history, the emoji picker. */
export function ConversationOverlays(props: { ui: RoomUi; remove: (messageId: number) => Promise<unknown> }) {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  async function confirmDelete() {
    const m = props.ui.deleting();
    if (!m) return;
    setBusy(true);
    setError(null);
    try {
      await props.remove(m.id);
      props.ui.askDelete(null);
    } catch (err) {
      setError(plainError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ConfirmDialog
        open={props.ui.deleting() !== null}
        title="Delete message?"
        message={
          props.ui.deleting()?.sender?.id === props.ui.meId
            ? "It will be gone for everyone, with its edit history and reactions. Replies in its thread stay."
            : "You are deleting someone else's message as a room admin. It will be gone for everyone."
        }
        confirmLabel="Delete message"
        danger
        busy={busy()}
        error={error()}
        initialFocus="cancel"
        onConfirm={() => void confirmDelete()}
        onCancel={() => {
          setError(null);
          props.ui.askDelete(null);
        }}
      />
      <Show when={props.ui.history()}>
        <RevisionsDialog message={props.ui.history()} onClose={() => props.ui.showHistory(null)} />
      </Show>
      <EmojiPickerDialog
        target={props.ui.picker()}
        onPick={(messageId, emoji) => {
          props.ui.openPicker(null);
          props.ui.react(messageId, emoji);
        }}
        onClose={() => props.ui.openPicker(null)}
      />
    </>
  );
}
