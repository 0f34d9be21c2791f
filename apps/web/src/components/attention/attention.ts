import { createUnreadState, type ParleyClient } from "@parley/client";
import { createEffect, on, onCleanup } from "solid-js";
import { route } from "../../lib/route.ts";
import type { Chat } from "../../state/chat.ts";
import { createDividers, type Dividers } from "./dividers.ts";
import { drawFaviconBadge } from "./favicon.ts";
import { createSystemNotifications } from "./notify.ts";

/**
 * Issue 14 in the web app: badges come from the server's counts (and follow
 * every other tab through `read.updated`); the open room is marked read on
 * the server as its messages arrive while the tab is visible, and when it
 * opens; the title and favicon carry the total; system notifications (and
 * Web Push, when the browser has a push service) for what deserves one.
 * Returns where each room's "New messages" divider goes (dividers.ts).
 */
export function createAttention(client: ParleyClient, chat: Chat): Dividers {
  const unread = createUnreadState(client);
  onCleanup(() => unread.close());
  const dividers = createDividers(client);
  /** The open room is read only once the server's markers are in, so its divider starts where the reader left off. */
  let loaded = false;
  const openRoom = () => {
    const r = route();
    return r.name === "room" ? r.roomId : null;
  };
  const visible = () => document.visibilityState === "visible";

  const off = unread.subscribe((snap) => {
    const reading = visible() ? openRoom() : null;
    for (const [roomId, r] of snap.rooms) chat.setUnread(roomId, roomId === reading ? 0 : r.badgeCount);
    // As the title counts: the room being read adds nothing (its count is on its way back to 0).
    drawFaviconBadge(snap.total - (reading === null ? 0 : (snap.rooms.get(reading)?.badgeCount ?? 0)));
  });
  onCleanup(off);
  void client.ready
    .then(() => unread.load())
    .then(() => {
      dividers.seed(unread.get());
      loaded = true;
      readOpenRoom();
    })
    .catch(() => {});

  /** Reads the open room up to its newest message, on the server (nothing is sent when the marker is there already). */
  const readOpenRoom = () => {
    const roomId = openRoom();
    if (roomId === null || !visible() || !loaded) return;
    const last = chat.state.timelines[roomId]?.items.last();
    if (!last) return;
    dividers.reading(roomId, last.id);
    void unread.markRead(roomId, last.id).catch(() => {});
  };
  createEffect(on(openRoom, () => queueMicrotask(readOpenRoom)));
  createEffect(on(() => {
    const id = openRoom();
    return id === null ? 0 : (chat.state.timelines[id]?.items.length ?? 0);
  }, readOpenRoom));
  const onVisible = () => readOpenRoom();
  document.addEventListener("visibilitychange", onVisible);
  onCleanup(() => document.removeEventListener("visibilitychange", onVisible));

  createSystemNotifications(client);
  return dividers;
}
