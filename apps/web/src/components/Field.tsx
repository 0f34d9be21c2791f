import { createUniqueId, type JSX, Show, splitProps } from "solid-js";

/** A labelled input with its error tied to it for screen readers. */
export function Field(
  props: { label: string; error?: string | undefined; hint?: string } & JSX.InputHTMLAttributes<HTMLInputElement>,
) {
  const [own, rest] = splitProps(props, ["label", "error", "hint", "id"]);
  const id = own.id ?? createUniqueId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = () => [own.error ? errorId : null, own.hint ? hintId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>{own.label}</label>
      <input id={id} aria-invalid={own.error ? "true" : undefined} aria-describedby={describedBy()} {...rest} />
      <Show when={own.hint}>
        <p class="field-hint" id={hintId}>
          {own.hint}
        </p>
      </Show>
      <Show when={own.error}>
        <p class="field-error" id={errorId}>
          {own.error}
        </p>
      </Show>
    </div>
  );
}
