import { For, Show } from "solid-js";
import type { Uploads } from "../../state/uploads.ts";
import { formatBytes } from "./format.ts";

/** The composer's files: a progress bar and a cancel (or remove) button each. */
export function UploadTray(props: { uploads: Uploads }) {
  return (
    <Show when={props.uploads.items().length > 0}>
      <ul class="upload-tray" aria-label="Files to send">
        <For each={props.uploads.items()}>
          {(u) => (
            <li class="upload-item" classList={{ failed: u.status === "failed" }} data-testid="upload-item" data-status={u.status}>
              <Show when={u.previewUrl} fallback={<span class="upload-icon" aria-hidden="true">📄</span>}>
                {(src) => <img class="upload-preview" src={src()} alt="" />}
              </Show>
              <span class="upload-name">
                <bdi>{u.name}</bdi> <span class="upload-size">{formatBytes(u.size)}</span>
              </span>
              <Show when={u.status === "uploading"}>
                <progress class="upload-progress" max="1" value={u.progress} aria-label={`Uploading ${u.name}`} />
              </Show>
              <Show when={u.error}>
                <span class="field-error" role="alert">
                  {u.error}
                </span>
              </Show>
              <button type="button" class="upload-remove" aria-label={u.status === "uploading" ? `Cancel ${u.name}` : `Remove ${u.name}`} onClick={() => props.uploads.remove(u.key)}>
                ×
              </button>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

/** The paper-clip button: picks files from disk. */
export function AttachButton(props: { uploads: Uploads }) {
  let input: HTMLInputElement | undefined;
  return (
    <>
      <button type="button" class="attach-button" aria-label="Attach files" onClick={() => input?.click()}>
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path fill="currentColor" d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z" />
        </svg>
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="attach-input"
        onChange={(e) => {
          props.uploads.add([...(e.currentTarget.files ?? [])]);
          e.currentTarget.value = "";
        }}
      />
    </>
  );
}

/** Files dropped on, or images pasted into, the composer. */
export function filesFrom(data: DataTransfer | null): File[] {
  if (!data) return [];
  const files = [...data.files];
  if (files.length > 0) return files;
  return [...data.items].flatMap((i) => (i.kind === "file" ? (i.getAsFile() ?? []) : []));
}
