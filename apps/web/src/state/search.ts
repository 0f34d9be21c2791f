import { createSignal } from "solid-js";
import { navigate } from "../lib/route.ts";

/**
 * Links to messages and the message a link (or a search result) asked to
 * see. A permalink is `/r/<roomId>/m/<messageId>` on this server: the server
 * answers every unknown path with the app, and `initPermalink` turns the path
 * into the room's hash route plus a focus the room view scrolls to.
 */

export interface MessageFocus {
  roomId: number;
  messageId: number;
  /** Changes on every request, so asking for the same message again scrolls to it again. */
  seq: number;
}

const PATH = /^\/r\/(\d{1,15})\/m\/(\d{1,15})\/?$/;
const [focus, setFocus] = createSignal<MessageFocus | null>(null);
let seq = 0;
export { focus as messageFocus };

export const messageLink = (roomId: number, messageId: number): string => `${location.origin}/r/${roomId}/m/${messageId}`;

/** The message a URL links to, if it is a permalink of this server. */
export function parseMessageLink(href: string): { roomId: number; messageId: number } | null {
  let url: URL;
  try {
    url = new URL(href, location.origin);
  } catch {
    return null;
  }
  if (url.origin !== location.origin) return null;
  const m = PATH.exec(url.pathname);
  return m ? { roomId: Number(m[1]), messageId: Number(m[2]) } : null;
}

/** Opens the room and asks its view to show the message in context, highlighted. */
export function focusMessage(roomId: number, messageId: number): void {
  setFocus({ roomId, messageId, seq: ++seq });
  navigate({ name: "room", roomId });
}

export function clearFocus(): void {
  setFocus(null);
}

/** Call once at start-up, before `initRoute`: a permalink path becomes the room's route and a focus. */
export function initPermalink(): void {
  const p = parseMessageLink(location.href);
  if (!p) return;
  history.replaceState(null, "", `/#/room/${p.roomId}`);
  setFocus({ ...p, seq: ++seq });
}
