import type { EventOf, ParleyClient } from "@parley/client";
import { onCleanup } from "solid-js";
import { navigate } from "../../lib/route.ts";
import type { Mentions, Msg } from "./notify-decide.ts";
import { enablePush } from "./push.ts";

const SOUND_KEY = "parley.notifications.sound";
/** Messages whose mentions are remembered, so an edit can tell what it added. */
const SEEN_MAX = 1000;

/**
 * System notifications while the tab is hidden, by the rule Web Push follows
 * (`@parley/api/notify-rule`, also the server's domain/push.ts): DMs,
 * mentions, and everything in "all" rooms, as levels, mute and do not
 * disturb allow; an edit notifies only someone it newly mentions. The
 * decision (notify-decide.ts, a lazy chunk) reads the settings from the
 * server; decisions run one after another in arrival order. Permission is
 * asked at a sensible moment, not on load: right after I send my first
 * message of the session (I am using the app, and it is my own action).
 * Once granted, Web Push is set up too, for when no tab is open. An
 * optional sound (`localStorage` `parley.notifications.sound = "on"`).
 */
export function createSystemNotifications(client: ParleyClient): void {
  if (typeof Notification === "undefined") return;
  let asked = false;
  void client.ready
    .then(() => {
      if (Notification.permission === "granted") void enablePush(client).catch(() => {});
    })
    .catch(() => {});

  /** Mentions of recent messages, by id (oldest first, so the first key is the one to forget). */
  const seen = new Map<number, Mentions>();
  const remember = (m: Msg) => {
    seen.delete(m.id);
    seen.set(m.id, m.mentions);
    const oldest = seen.keys().next();
    if (seen.size > SEEN_MAX && !oldest.done) seen.delete(oldest.value);
  };
  let queue: Promise<void> = Promise.resolve();
  /** Whether the tab is hidden is judged as the message arrives; the decision runs after those before it. */
  const decide = (m: Msg, before: Mentions | null) => {
    const me = client.user?.id;
    // Permission last: reading it is a synchronous round trip to the browser (about 2 ms a message in a profile).
    if (me === undefined || m.kind !== "text" || document.visibilityState === "visible" || Notification.permission !== "granted") return;
    queue = queue
      .then(() => import("./notify-decide.ts"))
      .then(async (d) => {
        if (await d.isDue(client, m, before, me)) show(m);
      })
      .catch(() => {});
  };

  const onCreated = (e: EventOf<"message.created">) => {
    const m = e.message;
    remember(m);
    if (m.sender?.id === client.user?.id) {
      if (!asked && Notification.permission === "default") {
        asked = true;
        void Notification.requestPermission().then((p) => (p === "granted" ? enablePush(client) : undefined)).catch(() => {});
      }
      return;
    }
    decide(m, null);
  };
  const onUpdated = (e: EventOf<"message.updated">) => {
    const m = e.message;
    const before = seen.get(m.id);
    remember(m);
    // An edit of a message from before this tab loaded: what it mentioned then is unknown here, so whether
    // the edit adds me cannot be told; it is left silent rather than repeat a mention I had already.
    if (before === undefined || m.sender?.id === client.user?.id) return;
    decide(m, before);
  };
  onCleanup(client.events.on("message.created", onCreated));
  onCleanup(client.events.on("message.updated", onUpdated));
}

function show(m: Msg): void {
  const n = new Notification(m.sender?.username ?? "Parley", { body: m.content.slice(0, 200), tag: `room-${m.roomId}` });
  n.onclick = () => {
    window.focus();
    navigate({ name: "room", roomId: m.roomId });
    n.close();
  };
  if (localStorage.getItem(SOUND_KEY) === "on") beep();
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
