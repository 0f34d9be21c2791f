import type { EventRow } from "@parley/db";

/** What the rule reads of an event: its scope, its room and its subject. */
export type Audience = Pick<EventRow, "scope" | "room_id" | "user_id">;

/**
 * Who may see a durable event — the one rule, for live fan-out and replay
 * alike: scope `all`, everyone; the event's subject (`user_id`: the
 * recipient of a `user` event, or the member who left or was removed, who
 * sees that `room` event); and for scope `room`, the room's members.
 *
 * Membership is the only input that differs: the hub asks its picture of the
 * rooms as it stands at that point of the log (`forEachRecipient`), a replay
 * asks the user's rooms now (`mayReceive`; `visibleEventIds` in
 * packages/db reads exactly these sources through their indexes). Previews of
 * a public room (`rooms.watch`) are the one live-only addition, in the hub.
 */
export function mayReceive(e: Audience, userId: number, isMember: (roomId: number) => boolean): boolean {
  if (e.scope === "all") return true;
  if (e.user_id !== null && Number(e.user_id) === userId) return true;
  return e.scope === "room" && e.room_id !== null && isMember(Number(e.room_id));
}

/**
 * The same rule the hub's way round: every user `mayReceive` admits, each
 * once, without asking about every user (an event reaches its room's
 * members, not the whole server). `everyone` is only walked for scope `all`.
 */
export function forEachRecipient(
  e: Audience,
  membersOf: (roomId: number) => ReadonlySet<number>,
  everyone: () => Iterable<number>,
  visit: (userId: number) => void,
): void {
  if (e.scope === "all") {
    for (const userId of everyone()) visit(userId);
    return;
  }
  const subject = e.user_id === null ? null : Number(e.user_id);
  const members = e.scope === "room" && e.room_id !== null ? membersOf(Number(e.room_id)) : null;
  if (members) for (const userId of members) visit(userId);
  if (subject !== null && !members?.has(subject)) visit(subject);
}
