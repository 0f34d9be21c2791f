import { charCount, MESSAGE_MAX_CHARS } from "@parley/api/limits";
import { loadSchemas, schemasNow } from "../lib/schemas.ts";
import { createSignal, onCleanup, onMount, Show } from "solid-js";
import { useApp } from "../state/context.ts";
import { makeAutocomplete } from "./composer/Autocomplete.tsx";
import { createSlash } from "./composer/Slash.tsx";
import "./composer/composer.css";
import type { Message } from "../state/types.ts";
import { createUploads } from "../state/uploads.ts";
import { AttachButton, filesFrom, UploadTray } from "./files/UploadTray.tsx";
import "./files/files.css";

/** Resend "typing" this often while typing; say "stopped" after this much quiet. */
const TYPING_REFRESH_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
const COUNTER_FROM = MESSAGE_MAX_CHARS - 500;

/**
 * Enter sends, Shift+Enter adds a line; ↑ in an empty composer edits one's
 * last message (`onEditLast`). The message shows at once as pending (the
 * client's outbox) and turns into the stored one on ack. With `threadId` it
 * replies in that thread (and keeps no draft).
 */
export function Composer(props: {
  roomId: number;
  roomName: string;
  threadId?: number;
  onSent?: (m: Message) => void;
  /** Starts editing the last message; false when there is none to edit. */
  onEditLast?: (composer: HTMLTextAreaElement) => boolean;
}) {
  const { client, chat, drafts } = useApp();
  // Files (issue 16): uploaded as soon as they are picked, dropped or pasted; sent with the next message or reply.
  const uploads = createUploads(client);
  const draftKey = props.threadId === undefined ? props.roomId : null;
  const [text, setText] = createSignal((draftKey !== null && drafts.get(draftKey)) || "");
  onCleanup(() => {
    if (draftKey === null) return;
    if (text()) drafts.set(draftKey, text());
    else drafts.delete(draftKey);
  });
  const fieldId = `composer-${props.roomId}${props.threadId === undefined ? "" : `-thread-${props.threadId}`}`;
  const [error, setError] = createSignal<string | null>(null);
  let textarea: HTMLTextAreaElement | undefined;
  // Slash commands run in a room's composer, not a thread's (composer/Slash.tsx).
  const slash =
    props.threadId === undefined
      ? createSlash(client, props.roomId, (message, line) => {
          setError(message);
          if (text() === "") setText(line);
        })
      : undefined;
  const complete = makeAutocomplete({
    roomId: props.roomId,
    listId: `${fieldId}-suggestions`,
    ...(slash ? { commands: slash.commands } : {}),
    apply: (next, caret) => {
      setText(next);
      if (draftKey !== null) drafts.set(draftKey, next);
      if (textarea) {
        textarea.value = next;
        textarea.setSelectionRange(caret, caret);
        textarea.focus();
      }
      resize();
    },
  });
  const caretMoved = (el: HTMLTextAreaElement) => complete.update(el.value, el.selectionStart);
  const count = () => charCount(text().trim());
  const over = () => count() > MESSAGE_MAX_CHARS;

  let typingSentAt = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  function typing(isTyping: boolean) {
    client.api.rooms.typing.mutate({ roomId: props.roomId, isTyping }).catch(() => undefined);
  }
  function noteTyping() {
    const now = Date.now();
    if (now - typingSentAt > TYPING_REFRESH_MS) {
      typingSentAt = now;
      typing(true);
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }
  function stopTyping() {
    clearTimeout(idleTimer);
    if (typingSentAt !== 0) {
      typingSentAt = 0;
      typing(false);
    }
  }
  onCleanup(stopTyping);
  onMount(() => {
    resize();
    // Opening a room puts the cursor where one types (not on touch screens: that would pop the keyboard up).
    if (props.threadId === undefined && matchMedia("(pointer: fine)").matches) textarea?.focus({ preventScroll: true });
  });

  function resize() {
    if (!textarea) return;
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
  }

  function send() {
    if (uploads.busy()) {
      setError("Wait for the uploads to finish, or cancel them");
      return;
    }
    const schemas = schemasNow();
    if (!schemas) {
      // Only if Enter comes before the schemas' chunk (loaded at start-up): send once it is here.
      void loadSchemas().then(send, () => setError("Could not check the message: try again"));
      return;
    }
    const checked = uploads.ready() && !text().trim() ? { success: true as const, data: "" } : schemas.messageContentSchema.safeParse(text());
    if (!checked.success) {
      setError(checked.error.issues[0]?.message ?? "Message is not valid");
      return;
    }
    // A line starting with a command's name runs it; a message with files never does.
    const outcome = slash && !uploads.ready() ? slash.intercept(checked.data) : "message";
    if (outcome === "wait") {
      void slash?.prepare().then(send);
      return;
    }
    setError(null);
    // The server stops our typing notice when the message is stored.
    typingSentAt = 0;
    clearTimeout(idleTimer);
    if (outcome === "message") {
      const attachments = uploads.take();
      const sent =
        props.threadId === undefined
          ? client.send(props.roomId, checked.data, { attachments })
          : client.reply(props.roomId, props.threadId, checked.data, { attachments });
      sent.then(props.onSent ?? chat.acknowledge, () => undefined);
    }
    setText("");
    if (draftKey !== null) drafts.delete(draftKey);
    resize();
    textarea?.focus();
  }

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onDragOver={(e) => e.dataTransfer?.types.includes("Files") && e.preventDefault()}
      onDrop={(e) => {
        const files = filesFrom(e.dataTransfer);
        if (files.length === 0) return;
        e.preventDefault();
        uploads.add(files);
      }}
    >
      <UploadTray uploads={uploads} />
      {slash && <slash.Note />}
      <div class="composer-box" classList={{ "composer-over": over() }}>
        <complete.List />
        <AttachButton uploads={uploads} />
        <label for={fieldId} class="sr-only">
          {props.threadId === undefined ? "Message" : "Reply in thread in"} <bdi>{props.roomName}</bdi>
        </label>
        <textarea
          id={fieldId}
          ref={textarea}
          rows="1"
          placeholder={
            props.threadId === undefined ? `Message ${props.roomName.length > 24 ? `${props.roomName.slice(0, 23)}…` : props.roomName}` : "Reply…"
          }
          value={text()}
          aria-describedby={`${fieldId}-help`}
          aria-invalid={over() ? "true" : undefined}
          {...complete.inputProps()}
          onClick={(e) => caretMoved(e.currentTarget)}
          onKeyUp={(e) => {
            if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") caretMoved(e.currentTarget);
          }}
          onInput={(e) => {
            setText(e.currentTarget.value);
            caretMoved(e.currentTarget);
            if (draftKey !== null) {
              if (e.currentTarget.value) drafts.set(draftKey, e.currentTarget.value);
              else drafts.delete(draftKey);
            }
            setError(null);
            resize();
            if (e.currentTarget.value.trim()) noteTyping();
            else stopTyping();
          }}
          onBlur={stopTyping}
          onPaste={(e) => {
            const files = filesFrom(e.clipboardData);
            if (files.length === 0) return;
            e.preventDefault();
            uploads.add(files);
          }}
          onKeyDown={(e) => {
            if (!e.isComposing && complete.onKey(e)) {
              e.preventDefault();
              return;
            }
            const plain = !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing;
            if (e.key === "ArrowUp" && plain && text() === "" && props.onEditLast?.(e.currentTarget)) {
              e.preventDefault();
              return;
            }
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" class="send-button" aria-label="Send message" disabled={(!text().trim() && !uploads.ready()) || over() || uploads.busy()}>
          <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6l-.1 6.5L15 12 3.3 13.9z" />
          </svg>
        </button>
      </div>
      <div class="composer-meta" id={`${fieldId}-help`}>
        <Show when={error()} fallback={<span class="composer-hint">Enter to send · Shift+Enter for a new line{props.onEditLast ? " · ↑ to edit your last message" : ""}</span>}>
          <span class="field-error" role="alert">
            {error()}
          </span>
        </Show>
        <span class="composer-count" classList={{ near: count() >= COUNTER_FROM, over: over() }}>
          <Show when={count() > 0}>
            {count()} / {MESSAGE_MAX_CHARS}
          </Show>
        </span>
      </div>
    </form>
  );
}
