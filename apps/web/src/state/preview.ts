import type { ChatClient } from "../lib/chat-client.ts";

/**
 * Keeps the server told which public room this connection previews without
 * being a member (`rooms.watch`), so that room's messages arrive live.
 * `sync()` settles once the server knows; `sync(true)` re-sends after a
 * reconnect, because a watch belongs to the old connection.
 */
export function createPreviewWatch(client: ChatClient, previewedRoom: () => number | null) {
  let watched: number | null = null;
  let done: Promise<void> = Promise.resolve();
  return {
    sync(again = false): Promise<void> {
      const want = previewedRoom();
      if (want === watched && !again) return done;
      const before = watched;
      watched = want;
      done = (async () => {
        try {
          if (want !== null) await client.api.rooms.watch.mutate({ roomId: want });
          else if (before !== null && !again) await client.api.rooms.unwatch.mutate();
        } catch {
          if (watched === want) watched = null; // the next change or reconnect tries again
        }
      })();
      return done;
    },
  };
}
