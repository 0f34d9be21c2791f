import type { ParleyClient } from "@parley/client";
import { onCleanup } from "solid-js";
import { createStore } from "solid-js/store";

/**
 * Who has which avatar (issue 16), as far as this tab knows: lists and
 * profiles carry `avatarUrl` when read; `user.updated` changes it live for
 * everyone who shares a room (and for one's own other tabs). `of(id, known)`
 * prefers what the stream said since over what a list said when it loaded.
 * `create*`: it listens from creation and stops on cleanup.
 */
export function createAvatars(client: Pick<ParleyClient, "events" | "api">, me: { id: number; avatarUrl?: string | null | undefined }) {
  const [urls, setUrls] = createStore<Record<number, string | null>>({ [me.id]: me.avatarUrl ?? null });
  const off = client.events.on("user.updated", (e) => setUrls(e.user.id, e.user.avatarUrl));
  onCleanup(off);
  // The stored session may predate a change made on another device.
  client.api.auth.me.query().then((u) => setUrls(u.id, u.avatarUrl), () => undefined);
  return {
    of: (userId: number, known?: string | null): string | null => (userId in urls ? (urls[userId] ?? null) : (known ?? null)),
    /** What an answer of ours said (the stream will say it too). */
    set: (userId: number, url: string | null) => setUrls(userId, url),
  };
}

export type Avatars = ReturnType<typeof createAvatars>;
