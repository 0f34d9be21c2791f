import {
  type Database,
  dmKeyOf,
  dmMembers,
  findDmByKey,
  findUsersByIds,
  insertDmRoom,
  insertMember,
  isUniqueViolation,
  type Kysely,
  type RoomRow,
} from "@parley/db";
import { attentionFor, attentionOf } from "./read-state.ts";
import type { EventDraft } from "../events.ts";
import { notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import { type Member, toRoom } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import type { RoomListItem } from "./rooms.ts";

/** Who is in a DM: how clients name it ("alice, bob"). */
export interface DmMember {
  id: number;
  username: string;
}

export type DmRoom = RoomListItem & { members: DmMember[] };

/**
 * The DM of the caller and `userIds` (none: a note-to-self), opened on first
 * use. One set of people has one room: its key (the sorted member ids) is
 * unique. Within a process the group committer runs opens one after another,
 * and each looks the key up first inside its transaction, so the second finds
 * the first. An open racing on another node loses on the unique index: its
 * batch fails, is retried one op at a time, and the retry finds the winner;
 * should the violation still reach us, the winner is read here.
 */
export async function openDm(svc: Pick<Services, "db" | "writes">, auth: Auth, userIds: readonly number[]): Promise<DmRoom> {
  const memberIds = [...new Set([auth.userId, ...userIds])].sort((a, b) => a - b);
  const key = dmKeyOf(memberIds);
  let row: RoomRow;
  try {
    row = await svc.writes.run(async (tx, now) => {
      const existing = await findDmByKey(tx.db, key);
      if (existing) return { result: existing, events: [] };
      const users = await findUsersByIds(tx.db, memberIds);
      if (users.length !== memberIds.length) throw notFound("User");
      const created = await insertDmRoom(tx.db, { key, createdBy: auth.userId, now });
      const room = toRoom(created);
      // Like a private room's: the creator learns of the room, then each member of their joining.
      const events: EventDraft[] = [{ body: { type: "room.created", roomId: room.id, room }, scope: "room", userId: auth.userId }];
      for (const u of [...users].sort((a, b) => Number(a.id) - Number(b.id))) {
        const userId = Number(u.id);
        await insertMember(tx.db, { roomId: room.id, userId, isAdmin: false, now });
        const member: Member = { userId, username: u.username, isAdmin: false, joinedAt: now };
        const addedBy = userId === auth.userId ? null : auth.userId;
        events.push({ body: { type: "member.joined", roomId: room.id, member, room, addedBy }, scope: "room", userId });
      }
      return { result: created, events };
    });
  } catch (err) {
    const winner = isUniqueViolation(err) ? await findDmByKey(svc.db, key) : undefined;
    if (!winner) throw err;
    row = winner;
  }
  const roomId = Number(row.id);
  const members = (await dmMembers(svc.db, [roomId])).get(roomId) ?? [];
  // Nobody is an admin of a DM: its members are fixed and it has no settings.
  const attention = attentionOf(await attentionFor(svc.db, auth.userId, [roomId]), roomId);
  return { ...toRoom(row), isMember: true, isAdmin: false, memberCount: members.length, ...attention, members };
}

/** Adds each DM's members to a list of rooms (channels are left as they are), in one read. */
export async function withDmMembers<T extends RoomListItem>(db: Kysely<Database>, items: T[]): Promise<T[]> {
  const dmIds = items.filter((r) => r.kind === "dm").map((r) => r.id);
  if (dmIds.length === 0) return items;
  const members = await dmMembers(db, dmIds);
  return items.map((r) => (r.kind === "dm" ? { ...r, members: members.get(r.id) ?? [] } : r));
}
