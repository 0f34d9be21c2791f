import { editNews, type NotifyJob, notifyReason, shouldNotify } from "@parley/api/notify-rule";
import type { EventOf, ParleyClient } from "@parley/client";
import { onCleanup } from "solid-js";
import { navigate } from "../../lib/route.ts";
import { enablePush } from "./push.ts";

const SOUND_KEY = "parley.notifications.sound";
/** Messages whose mentions are remembered, so an edit can tell what it added. */
const SEEN_MAX = 1000;

type Mentions = EventOf<"message.created">["message"]["mentions"];
type Msg = EventOf<"message.created">["message"];

/**
 * System notifications while the tab is hidden, by the rule Web Push follows
 * (`@parley/api/notify-rule`, also used by the server's domain/push.ts): DMs,
 * mentions, and everything in "all" rooms, as levels, mute and do not
 * disturb allow; an edit notifies only someone it newly mentions. The
 * settings are read from the server as each candidate arrives (they have no
 * events, and another client may have changed them); decisions are made one
 * after another in arrival order. Permission is asked at a sensible moment,
 * not on load: right after I send my first message of the session (I am
 * using the app, and it is my own action). Once granted, Web Push is set up
 * too, for when no tab is open. An optional sound (`localStorage`
 * `parley.notifications.sound = "on"`).
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
    if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value ?? m.id);
  };
  /** Whom mentions count as mentioned by name or `@here`, seen from this tab: a tab that gets the message is online, so `@here` includes me. */
  const named = (x: Mentions, me: number) => (x.here ? [...x.userIds, me] : x.userIds);

  let queue: Promise<void> = Promise.resolve();
  /** Whether the tab was hidden is judged as the message arrives; the settings are read after the decisions before it. */
  const decide = (m: Msg, job: (me: number) => NotifyJob) => {
    const me = client.user?.id;
    if (me === undefined || m.kind !== "text" || Notification.permission !== "granted" || document.visibilityState === "visible") return;
    const j = job(me);
    queue = queue.then(() => notifyIfDue(m, j, me)).catch(() => {});
  };
  const notifyIfDue = async (m: Msg, j: NotifyJob, me: number) => {
    const [room, settings] = await Promise.all([client.api.rooms.get.query({ roomId: m.roomId }), client.api.users.settings.query()]);
    const reason = notifyReason(j, me, room.kind);
    if (reason === null) return;
    if (!shouldNotify({ level: room.notifyLevel, muted: room.muted, dndUntil: settings.dndUntil, now: Date.now() }, reason, m.mentions.userIds.includes(me))) return;
    const n = new Notification(m.sender?.username ?? "Parley", { body: m.content.slice(0, 200), tag: `room-${m.roomId}` });
    n.onclick = () => {
      window.focus();
      navigate({ name: "room", roomId: m.roomId });
      n.close();
    };
    if (localStorage.getItem(SOUND_KEY) === "on") beep();
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
    decide(m, (me) => ({ message: m, mentioned: named(m.mentions, me), edit: null }));
  };
  const onUpdated = (e: EventOf<"message.updated">) => {
    const m = e.message;
    const before = seen.get(m.id);
    remember(m);
    // An edit of a message from before this tab loaded: what it mentioned then is unknown here, so whether
    // the edit adds me cannot be told; it is left silent rather than notify a mention I had already.
    if (before === undefined || m.sender?.id === client.user?.id) return;
    decide(m, (me) => ({ message: m, mentioned: [], edit: editNews(before, named(before, me), m.mentions, named(m.mentions, me)) }));
  };
  onCleanup(client.events.on("message.created", onCreated));
  onCleanup(client.events.on("message.updated", onUpdated));
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
