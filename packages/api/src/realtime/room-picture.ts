import type { DurableEvent } from "../events.ts";

/**
 * The hub's picture of the rooms, kept in step with the event log: who is
 * in which room (both ways round) and which rooms are private. The hub
 * applies each event in log order, so deciding who gets an event never needs
 * a database read and always agrees with the order of the stream.
 */
export class RoomPicture {
  private readonly members = new Map<number, Set<number>>();
  private readonly roomsOf = new Map<number, Set<number>>();
  private readonly privateRooms = new Set<number>();

  /** The starting point: a snapshot taken at the hub's start position. */
  load(memberships: Iterable<{ roomId: number; userId: number }>, privateRoomIds: Iterable<number>): void {
    for (const m of memberships) this.addMember(m.roomId, m.userId);
    for (const id of privateRoomIds) this.privateRooms.add(id);
  }

  /** Before delivery: membership grows (a new member sees their own join), privacy follows the room. */
  applyBefore(event: DurableEvent): void {
    if (event.type === "room.created") this.addMember(event.roomId, event.room.createdBy);
    if (event.type === "room.created" || event.type === "room.updated") {
      if (event.room.isPrivate) this.privateRooms.add(event.roomId);
      else this.privateRooms.delete(event.roomId);
    }
    // Private from this position on, whichever of the transition's events comes first in the log.
    if (event.type === "room.hidden") this.privateRooms.add(event.roomId);
    if (event.type === "member.joined") this.addMember(event.roomId, event.member.userId);
  }

  /** After delivery: membership shrinks (a removed member sees their removal, then nothing more). */
  applyAfter(event: DurableEvent): void {
    if (event.type === "member.left" || event.type === "member.removed") this.removeMember(event.roomId, event.userId);
    if (event.type === "room.deleted") {
      for (const userId of this.membersOf(event.roomId)) this.roomsOf.get(userId)?.delete(event.roomId);
      this.members.delete(event.roomId);
      this.privateRooms.delete(event.roomId);
    }
  }

  membersOf(roomId: number): ReadonlySet<number> {
    return this.members.get(roomId) ?? new Set();
  }

  isPrivate(roomId: number): boolean {
    return this.privateRooms.has(roomId);
  }

  /** Everyone who shares a room with `userId`, and `userId`. */
  peersOf(userId: number): Set<number> {
    const peers = new Set<number>([userId]);
    for (const roomId of this.roomsOf.get(userId) ?? []) for (const m of this.membersOf(roomId)) peers.add(m);
    return peers;
  }

  private addMember(roomId: number, userId: number): void {
    const members = this.members.get(roomId) ?? new Set<number>();
    members.add(userId);
    this.members.set(roomId, members);
    const rooms = this.roomsOf.get(userId) ?? new Set<number>();
    rooms.add(roomId);
    this.roomsOf.set(userId, rooms);
  }

  private removeMember(roomId: number, userId: number): void {
    this.members.get(roomId)?.delete(userId);
    const rooms = this.roomsOf.get(userId);
    rooms?.delete(roomId);
    if (rooms?.size === 0) this.roomsOf.delete(userId);
  }
}
