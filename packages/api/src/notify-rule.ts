/**
 * Who is notified of a message, and whether their settings let it through:
 * one rule for Web Push (domain/push.ts, for users with no tab open) and the
 * web app's system notifications (for a hidden tab). Pure and import-free,
 * so the web app loads it without server code (`@parley/api/notify-rule`).
 */

export type NotifyLevel = "all" | "mentions" | "none";

/** Why a message may notify someone (Web Push's payload `reason`). */
export type NotifyReason = "dm" | "mention" | "message";

export interface NotifySettings {
  level: NotifyLevel;
  muted: boolean;
  dndUntil: number | null;
  now: number;
}

/**
 * Whether a member is notified of a message, by their settings alone. Do not
 * disturb and level `none` silence everything. Mute silences the room's
 * chatter, `@room` and `@here` included, but not what is addressed to you: a
 * DM, or a mention of you by name (`direct`), still notifies, as it still
 * shows a badge (issue 14: "muted rooms show no badge count unless you are
 * mentioned"). `mentions` lets DMs and mentions through, `all` every message.
 */
export function shouldNotify(s: NotifySettings, reason: NotifyReason, direct = false): boolean {
  if (s.dndUntil !== null && s.dndUntil > s.now) return false;
  if (s.level === "none") return false;
  if (s.muted) return reason === "dm" || (reason === "mention" && direct);
  return reason !== "message" || s.level === "all";
}

/** What an edit adds: only these are notified. */
export interface EditNews {
  /** Users it newly mentions by name or `@here`. */
  userIds: readonly number[];
  /** It newly says `@room`: every member it did not mention before is newly mentioned. */
  room: boolean;
  /** Whom the message mentioned before the edit: never notified again. */
  already: readonly number[];
}

/**
 * An edit's news: `had` are the users the message mentioned before (by name
 * or `@here`), `mentioned` those it mentions now. A message that said
 * `@room` already mentioned everyone, so an edit of it adds no one.
 */
export function editNews(before: { room: boolean }, had: readonly number[], after: { room: boolean }, mentioned: readonly number[]): EditNews {
  if (before.room) return { userIds: [], room: false, already: [] };
  const old = new Set(had);
  return { userIds: mentioned.filter((id) => !old.has(id)), room: after.room, already: [...old] };
}

/** A message just written: a new one (`edit: null`), or an edit and what it added. */
export interface NotifyJob {
  message: { mentions: { room: boolean } };
  /** A new message: the users it mentions by name or `@here`. */
  mentioned: readonly number[];
  edit: EditNews | null;
}

/** Why `userId` is notified of `job` in a room of `kind`, or null when the message gives no reason. */
export function notifyReason(job: NotifyJob, userId: number, kind: string): NotifyReason | null {
  const e = job.edit;
  if (e === null) {
    if (kind === "dm") return "dm";
    return job.mentioned.includes(userId) || job.message.mentions.room ? "mention" : "message";
  }
  // Every DM message already counted as a mention for its members: an edit there adds none.
  if (kind === "dm" || e.already.includes(userId)) return null;
  return e.userIds.includes(userId) || e.room ? "mention" : null;
}
