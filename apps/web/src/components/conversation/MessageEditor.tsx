import { loadSchemas } from "../../lib/schemas.ts";
import { createSignal, onMount, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import type { RoomUi } from "../../state/room-ui.ts";
import type { Message } from "../../state/types.ts";

/** The content rule of `messages.edit`, the same schema the server checks. */

/** Editing a message in place: Enter saves, Shift+Enter adds a line, Escape cancels. */
export function MessageEditor(props: { message: Message; ui: RoomUi }) {
  const [text, setText] = createSignal(props.message.content);
  const [error, setError] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  let textarea: HTMLTextAreaElement | undefined;
  onMount(() => {
    if (!textarea) return;
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  });

  async function save() {
    const checked = (await loadSchemas()).editMessageSchema.shape.content.safeParse(text());
    if (!checked.success) {
      setError(checked.error.issues[0]?.message ?? "Message is not valid");
      return;
    }
    if (checked.data === props.message.content) {
      props.ui.stopEdit();
      return;
    }
    setSaving(true);
    try {
      await props.ui.edit(props.message, checked.data);
      props.ui.stopEdit();
    } catch (err) {
      setError(plainError(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      class="msg-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label class="sr-only" for={`edit-${props.message.id}`}>
        Edit message
      </label>
      <textarea
        id={`edit-${props.message.id}`}
        ref={textarea}
        rows="2"
        value={text()}
        aria-describedby={`edit-help-${props.message.id}`}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            props.ui.stopEdit();
          } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          }
        }}
      />
      <div class="msg-editor-meta" id={`edit-help-${props.message.id}`}>
        <Show when={error()} fallback={<span>Enter to save · Escape to cancel</span>}>
          <span class="field-error" role="alert">
            {error()}
          </span>
        </Show>
        <span class="msg-editor-buttons">
          <button type="button" class="button button-ghost button-small" onClick={() => props.ui.stopEdit()}>
            Cancel
          </button>
          <button type="submit" class="button button-primary button-small" disabled={saving()}>
            Save
          </button>
        </span>
      </div>
    </form>
  );
}
