import type { EventOf, ParleyClient } from "@parley/client";
import { onCleanup } from "solid-js";
import { navigate } from "../../lib/route.ts";
import { enablePush } from "./push.ts";

const SOUND_KEY = "parley.notifications.sound";

/**
 * System notifications while the tab is hidden, for DMs, mentions of me and
 * rooms set to "all" (not muted ones). Permission is asked at a sensible
 * moment, not on load: right after I send my first message of the session
 * (I am using the app, and it is my own action). Once granted, Web Push is
 * set up too, for when no tab is open. An optional sound (`localStorage`
 * `parley.notifications.sound = "on"`).
 */
export function createSystemNotifications(
  client: ParleyClient,
  o: { openRoom: () => number | null; isMuted: (roomId: number) => boolean; isDm: (roomId: number) => boolean },
): void {
  if (typeof Notification === "undefined") return;
  let asked = false;
  const levels = new Map<number, string>();
  void client.ready
    .then(async () => {
      for (const r of await client.api.rooms.list.query()) levels.set(r.id, r.kind === "dm" ? "dm" : r.notifyLevel);
      if (Notification.permission === "granted") void enablePush(client).catch(() => {});
    })
    .catch(() => {});

  const onMessage = (e: EventOf<"message.created">) => {
    const m = e.message;
    const me = client.user?.id;
    if (m.sender?.id === me) {
      if (!asked && Notification.permission === "default") {
        asked = true;
        void Notification.requestPermission().then((p) => (p === "granted" ? enablePush(client) : undefined)).catch(() => {});
      }
      return;
    }
    // Permission last: reading it is a synchronous round trip to the browser (about 2 ms a message in a profile).
    if (m.kind !== "text" || document.visibilityState === "visible" || o.isMuted(m.roomId) || Notification.permission !== "granted") return;
    // A room joined since the levels were read (a new DM) has the default level.
    const level = o.isDm(m.roomId) ? "dm" : (levels.get(m.roomId) ?? "mentions");
    const mentioned = me !== undefined && (m.mentions.userIds.includes(me) || m.mentions.room);
    if (!(level === "dm" || mentioned || level === "all")) return;
    const n = new Notification(m.sender?.username ?? "Parley", { body: m.content.slice(0, 200), tag: `room-${m.roomId}` });
    n.onclick = () => {
      window.focus();
      navigate({ name: "room", roomId: m.roomId });
      n.close();
    };
    if (localStorage.getItem(SOUND_KEY) === "on") beep();
  };
  onCleanup(client.events.on("message.created", onMessage));
}

function beep(): void {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = 880;
  gain.gain.value = 0.05;
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.12);
  osc.onended = () => void ctx.close();
}
