import type { Attachment } from "@parley/api";
import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { useApp } from "../../state/context.ts";
import { Modal } from "../Modal.tsx";
import { formatBytes, typeLabel } from "./format.ts";

/**
 * A message's files: images as previews (a thumbnail, opening a lightbox),
 * everything else as a card with its name, size and type. Files need the
 * Bearer token, so they are fetched by the client library and shown from
 * blob URLs (revoked when the message goes).
 */
export function Attachments(props: { attachments: readonly Attachment[] }) {
  return (
    <Show when={props.attachments.length > 0}>
      <div class="attachments">
        <For each={props.attachments}>{(a) => (a.thumbUrl ? <ImageAttachment a={a} thumbUrl={a.thumbUrl} /> : <FileCard a={a} />)}</For>
      </div>
    </Show>
  );
}

function useBlobUrl(path: () => string | null) {
  const { client } = useApp();
  let current: string | null = null;
  const [url] = createResource(path, async (p) => {
    const res = await client.download(p);
    const blob = await res.blob();
    if (current) URL.revokeObjectURL(current);
    current = URL.createObjectURL(blob);
    return current;
  });
  onCleanup(() => current && URL.revokeObjectURL(current));
  return url;
}

async function save(client: ReturnType<typeof useApp>["client"], a: Attachment) {
  const blob = await (await client.download(a.url)).blob();
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = a.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

function ImageAttachment(props: { a: Attachment; thumbUrl: string }) {
  const { client } = useApp();
  const [open, setOpen] = createSignal(false);
  const thumb = useBlobUrl(() => props.thumbUrl);
  const large = useBlobUrl(() => (open() ? props.thumbUrl.replace("size=320", "size=1024") : null));
  const box = () => {
    const w = props.a.width ?? 320;
    const h = props.a.height ?? 240;
    const scale = Math.min(1, 320 / Math.max(w, h));
    return { width: `${Math.round(w * scale)}px`, height: `${Math.round(h * scale)}px` };
  };
  return (
    <>
      <button type="button" class="attachment-image" style={box()} aria-label={`Open ${props.a.name}`} onClick={() => setOpen(true)}>
        <Show when={thumb()}>{(src) => <img src={src()} alt={props.a.name} data-testid="attachment-thumb" />}</Show>
      </button>
      <Modal open={open()} title={props.a.name} onClose={() => setOpen(false)} size="wide" testId="lightbox">
        <div class="lightbox">
          <Show when={large()} fallback={<p>Loading…</p>}>
            {(src) => <img class="lightbox-image" src={src()} alt={props.a.name} />}
          </Show>
          <p class="lightbox-meta">
            {props.a.width} × {props.a.height} · {formatBytes(props.a.size)}{" "}
            <button type="button" class="link-button" onClick={() => void save(client, props.a)}>
              Download
            </button>
          </p>
        </div>
      </Modal>
    </>
  );
}

function FileCard(props: { a: Attachment }) {
  const { client } = useApp();
  return (
    <div class="file-card" data-testid="file-card">
      <span class="file-card-type">{typeLabel(props.a.contentType)}</span>
      <span class="file-card-name">
        <bdi>{props.a.name}</bdi>
      </span>
      <span class="file-card-size">{formatBytes(props.a.size)}</span>
      <button type="button" class="link-button" aria-label={`Download ${props.a.name}`} onClick={() => void save(client, props.a)}>
        Download
      </button>
    </div>
  );
}
