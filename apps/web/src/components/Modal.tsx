import { createEffect, createUniqueId, type JSX, onCleanup, Show } from "solid-js";
import { Icon } from "./Icon.tsx";

/**
 * A native <dialog> opened modally: the browser traps focus, Esc closes it,
 * and focus returns to the opener.
 */
export function Modal(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: JSX.Element;
  size?: "small" | "wide";
  testId?: string;
}) {
  let dialog: HTMLDialogElement | undefined;
  const titleId = createUniqueId();
  createEffect(() => {
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  });
  onCleanup(() => dialog?.open && dialog.close());
  return (
    // Esc closes the dialog natively; the click handler only adds "click outside to close" for pointers.
    // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard users close it with Esc or the Close button
    <dialog
      ref={dialog}
      class="modal"
      classList={{ "modal-small": props.size === "small", "modal-wide": props.size === "wide" }}
      aria-labelledby={titleId}
      data-testid={props.testId}
      onClose={() => props.open && props.onClose()}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself) closes it.
        if (e.target === dialog) props.onClose();
      }}
    >
      <Show when={props.open}>
        <div class="modal-inner">
          <header class="modal-header">
            <h2 id={titleId}>{props.title}</h2>
            <button type="button" class="icon-button" aria-label="Close" onClick={() => props.onClose()}>
              <Icon name="close" />
            </button>
          </header>
          {props.children}
        </div>
      </Show>
    </dialog>
  );
}

/** "Are you sure?" with the consequence spelled out and the action named on the button. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  /** Cancel always has focus first (Enter right after opening must not do it); kept for callers that say so. */
  initialFocus?: "cancel";
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal open={props.open} title={props.title} onClose={props.onCancel} size="small" testId="confirm-dialog">
      <p class="modal-text">{props.message}</p>
      <Show when={props.error}>
        <p class="form-error" role="alert">
          {props.error}
        </p>
      </Show>
      <div class="modal-actions">
        <button type="button" class="button button-ghost" autofocus onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button
          type="button"
          class="button"
          classList={{ "button-danger": props.danger, "button-primary": !props.danger }}
          disabled={props.busy}
          onClick={() => props.onConfirm()}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
