import { editNews, type NotifyJob, notifyReason, shouldNotify } from "@parley/api/notify-rule";
import type { EventOf, ParleyClient } from "@parley/client";

export type Msg = EventOf<"message.created">["message"];
export type Mentions = Msg["mentions"];

/** Whom mentions count as mentioned by name or `@here`, seen from this tab: a tab that gets the message is online, so `@here` includes me. */
const named = (x: Mentions, me: number): readonly number[] => (x.here ? [...x.userIds, me] : x.userIds);

/**
 * Whether `m` should show a system notification for me, by the rule Web
 * Push follows (`@parley/api/notify-rule`), with my settings as the server
 * has them now (they have no events, and another client may have changed
 * them). `before`: null for a new message, or what an edited message
 * mentioned before the edit (only what the edit adds notifies). A lazy
 * chunk of notify.ts, loaded with the first message that might notify.
 */
export async function isDue(client: ParleyClient, m: Msg, before: Mentions | null, me: number): Promise<boolean> {
  const job: NotifyJob =
    before === null
      ? { message: m, mentioned: named(m.mentions, me), edit: null }
      : { message: m, mentioned: [], edit: editNews(before, named(before, me), m.mentions, named(m.mentions, me)) };
  const [room, settings] = await Promise.all([client.api.rooms.get.query({ roomId: m.roomId }), client.api.users.settings.query()]);
  const reason = notifyReason(job, me, room.kind);
  return reason !== null && shouldNotify({ level: room.notifyLevel, muted: room.muted, dndUntil: settings.dndUntil, now: Date.now() }, reason, m.mentions.userIds.includes(me));
}
