import { createResource, Show } from "solid-js";
import "./avatars.css";
import { useApp } from "../../state/context.ts";
import type { ParleyClient } from "@parley/client";

/**
 * Avatars need the Bearer token like every file, so they are fetched by the
 * client library and shown from blob URLs. Each avatar has a path of its
 * own (a new one per change), so one fetch per path serves every list it
 * appears in for the whole session.
 */
const cache = new Map<string, Promise<string>>();

function blobUrl(client: ParleyClient, path: string): Promise<string> {
  let url = cache.get(path);
  if (!url) {
    url = client
      .download(path)
      .then((res) => res.blob())
      .then((blob) => URL.createObjectURL(blob));
    // A failed fetch is tried again next time it is shown.
    url.catch(() => cache.delete(path));
    cache.set(path, url);
  }
  return url;
}

/** The image inside `.avatar`, over the initials (which show until it loads, and if it cannot). */
export default function AvatarImage(props: { path: string }) {
  const { client } = useApp();
  const [src] = createResource(() => props.path, (path) => blobUrl(client, path).catch(() => null));
  return <Show when={src()}>{(s) => <img class="avatar-img" src={s()} alt="" data-testid="avatar-img" />}</Show>;
}
