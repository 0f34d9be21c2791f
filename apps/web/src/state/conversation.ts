import { onCleanup } from "solid-js";
import type { ChatClient } from "../lib/chat-client.ts";
import type { Chat } from "./chat.ts";
import { messagePatch } from "./message-ops.ts";
import type { StreamEvent } from "./types.ts";

/**
 * Applies edits, deletes, reactions and thread summaries to the room
 * timelines, each by the message's id: O(log n) per event, nothing re-sorted.
 * `create*`: it listens from creation and stops on cleanup.
 */
export function createConversationEvents(client: ChatClient, chat: Pick<Chat, "patchMessage" | "me">) {
  const off = client.onEvent((e: StreamEvent) => {
    switch (e.type) {
      case "message.updated":
      case "message.deleted":
      case "reaction.added":
      case "reaction.removed":
      case "thread.updated": {
        const p = messagePatch(e, chat.me.id);
        chat.patchMessage(e.roomId, p.messageId, p.apply);
        return;
      }
    }
  });
  onCleanup(off);
}

/**
 * A DM we were just put in arrives as `member.joined` with the room but not
 * its members, which name it: the room list is read again (rare: once per
 * new DM), so the sidebar names it at once.
 */
export function createDmArrivals(client: ChatClient, chat: Pick<Chat, "loadRooms" | "me">) {
  const off = client.onEvent((e: StreamEvent) => {
    if (e.type === "member.joined" && e.room.kind === "dm" && e.member.userId === chat.me.id) void chat.loadRooms().catch(() => undefined);
  });
  onCleanup(off);
}
