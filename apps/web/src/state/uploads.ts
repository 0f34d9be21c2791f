import type { ParleyClient, UploadedFile } from "@parley/client";
import { MAX_ATTACHMENTS } from "@parley/api/limits";
import { createSignal, onCleanup } from "solid-js";

export interface PendingUpload {
  key: number;
  name: string;
  size: number;
  /** 0–1 */
  progress: number;
  status: "uploading" | "ready" | "failed";
  error?: string;
  file?: UploadedFile;
  /** A local preview of an image, revoked with the upload. */
  previewUrl?: string;
}

let seq = 0;

/**
 * The composer's files on their way (issue 16): each uploads at once with
 * progress and can be cancelled; a send takes the finished ones' ids.
 * Registers cleanup: leaving the room cancels what is still uploading.
 */
export function createUploads(client: Pick<ParleyClient, "upload">) {
  const [items, setItems] = createSignal<PendingUpload[]>([]);
  const aborts = new Map<number, AbortController>();
  const patch = (key: number, p: Partial<PendingUpload>) => setItems((list) => list.map((u) => (u.key === key ? { ...u, ...p } : u)));

  function add(files: readonly File[]) {
    for (const file of files) {
      if (items().length >= MAX_ATTACHMENTS) return;
      const key = ++seq;
      const ac = new AbortController();
      aborts.set(key, ac);
      const previewUrl = file.type.startsWith("image/") && file.type !== "image/svg+xml" ? URL.createObjectURL(file) : undefined;
      setItems((list) => [...list, { key, name: file.name || "pasted image", size: file.size, progress: 0, status: "uploading", previewUrl }]);
      client
        .upload(file, { name: file.name || "pasted-image.png", signal: ac.signal, onProgress: (sent, total) => patch(key, { progress: total > 0 ? sent / total : 0 }) })
        .then(
          (f) => patch(key, { status: "ready", progress: 1, file: f }),
          (err: unknown) => {
            if (ac.signal.aborted) return;
            patch(key, { status: "failed", error: err instanceof Error ? err.message : "upload failed" });
          },
        )
        .finally(() => aborts.delete(key));
    }
  }

  function remove(key: number) {
    aborts.get(key)?.abort();
    const gone = items().find((u) => u.key === key);
    if (gone?.previewUrl) URL.revokeObjectURL(gone.previewUrl);
    setItems((list) => list.filter((u) => u.key !== key));
  }

  /** Hands over the finished uploads' ids and empties the tray. */
  function take(): string[] {
    const ids = items().flatMap((u) => (u.status === "ready" && u.file ? [u.file.id] : []));
    for (const u of items()) remove(u.key);
    return ids;
  }

  onCleanup(() => {
    for (const u of items()) remove(u.key);
  });

  return {
    items,
    add,
    remove,
    take,
    busy: () => items().some((u) => u.status === "uploading"),
    ready: () => items().some((u) => u.status === "ready"),
  };
}

export type Uploads = ReturnType<typeof createUploads>;
