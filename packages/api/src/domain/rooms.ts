import {
  countAdmins,
  countMembers,
  type Database,
  deleteMember,
  findMembership,
  findRoom,
  findUserByKey,
  findUserById,
  insertAudit,
  insertMember,
  insertRoom,
  isBanned,
  isPostgres,
  type Kysely,
  listMembers,
  listRoomsForUser,
  listRoomsJson,
  longestStandingMember,
  type MemberRow,
  type RoomRow,
  setMemberAdmin,
  softDeleteRoom,
  updateRoom as updateRoomRow,
  type WriteTx,
  messagesWithFilesIn,
  NO_SENDER,
} from "@parley/db";
import type { EventDraft } from "../events.ts";
import { DomainError, conflict, forbidden, notFound, tooManyRequests } from "../errors.ts";
import { PreEncoded } from "../pre-encoded.ts";
import type { Socket } from "../realtime/connections.ts";
import type { Services } from "../services.ts";
import { avatarUrl, type Member, type Message, type Room, toRoom } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { type DmMember, withDmMembers } from "./dms.ts";
import { releaseFiles, removeBlobs } from "./files.ts";
import { newMessage } from "./messages.ts";
import { attentionFor, attentionOf, NO_ATTENTION, type RoomAttention, toAttention } from "./read-state.ts";
import type { Change, DeferredEvent, PendingEvent } from "./writer.ts";

export interface RoomAccess {
  room: RoomRow;
  membership: MemberRow | null;
  /** The caller manages the room as a server admin, not as its room admin (issue 18: any room, orphaned ones too). */
  asServerAdmin?: boolean;
}

/** A private room does not exist for a non-member: NOT_FOUND, never FORBIDDEN, so existence does not leak. */
export async function roomAccess(svc: Services, roomId: number, userId: number): Promise<RoomAccess> {
  const room = await findRoom(svc.db, roomId);
  if (!room) throw notFound("Room");
  const membership = (await findMembership(svc.db, roomId, userId)) ?? null;
  if (!membership && Number(room.is_private) === 1) throw notFound("Room");
  return { room, membership };
}

export function requireMember(access: RoomAccess): MemberRow {
  if (!access.membership) throw forbidden("Join the room first");
  return access.membership;
}

/** A DM's members are fixed and it has no admins: joining, leaving, adding, removing and every admin call refuse it. */
export function requireChannel(access: RoomAccess): void {
  if (access.room.kind === "dm") throw forbidden("A direct message's members are fixed");
}

/** A room admin's membership; null for a server admin managing a room they are not an admin of. */
export function requireAdmin(access: RoomAccess): MemberRow | null {
  requireChannel(access);
  if (access.asServerAdmin) return access.membership;
  const m = requireMember(access);
  if (Number(m.is_admin) !== 1) throw forbidden("Only a room admin can do that");
  return m;
}

export interface RoomListItem extends Room, RoomAttention {
  isMember: boolean;
  isAdmin: boolean;
  memberCount: number;
  /** A DM's members, so clients can name it (channels: absent). */
  members?: DmMember[];
}

/**
 * One page of the rooms the user can see, in id order (`after`: the last id of the previous page), as the
 * reply's JSON: on SQLite built by SQLite (db queries/rooms-json.ts), elsewhere from `listRoomItems`.
 */
export async function listRooms(svc: Services, userId: number, page: { after?: number | undefined; limit: number }): Promise<PreEncoded<RoomListItem[]>> {
  const p = { after: page.after ?? 0, limit: page.limit };
  if (isPostgres(svc.db)) return PreEncoded.value(await listRoomItems(svc.db, userId, p));
  return PreEncoded.text(await listRoomsJson(svc.db, userId, p));
}

/** The same page as objects: PostgreSQL's path, and the reference `listRoomsJson` is held to (rooms-json.test.ts). */
export async function listRoomItems(db: Kysely<Database>, userId: number, page: { after: number; limit: number }): Promise<RoomListItem[]> {
  // One query: the page, and the read state (counters and index ranges) of the rooms the user is in.
  const rows = await listRoomsForUser(db, userId, page);
  const items = rows.map((r): RoomListItem => {
    const { last_read_id, read_count, notify_level, muted } = r;
    // A left join: the member's columns are all null for a room the user is not in (last_read_id is NOT NULL in the table).
    const member = last_read_id !== null && read_count !== null && notify_level !== null && muted !== null;
    const attention = member
      ? toAttention({ last_read_id, read_count, notify_level, muted, timeline_count: r.timeline_count, mention_count: r.mention_count, kind: r.kind })
      : NO_ATTENTION;
    // Object.assign onto the fresh room, not `{ ...toRoom(r), …, ...attention }`: V8 (Node 20) builds a literal
    // that spreads an object and adds more properties through a slow path, about 10 µs an item here; for 500
    // rooms that was the largest share of rooms.list's server time after the query (profile, issue 14).
    return Object.assign(toRoom(r), { isMember: member, isAdmin: Number(r.is_admin) === 1, memberCount: Number(r.member_count) }, attention);
  });
  return withDmMembers(db, items);
}

export async function roomDetails(svc: Services, access: RoomAccess): Promise<RoomListItem> {
  const item: RoomListItem = {
    ...toRoom(access.room),
    isMember: access.membership !== null,
    isAdmin: Number(access.membership?.is_admin ?? 0) === 1,
    memberCount: await countMembers(svc.db, Number(access.room.id)),
    ...attentionOf(await attentionFor(svc.db, access.membership ? Number(access.membership.user_id) : 0, [Number(access.room.id)]), Number(access.room.id)),
  };
  return (await withDmMembers(svc.db, [item]))[0] ?? item;
}

/** Room-level events reach everyone for a public room, and the members for a private one. */
const roomScope = (room: Room): "room" | "all" => (room.isPrivate ? "room" : "all");

/**
 * A system message (joins, renames…): written by room operations only, never
 * by `messages.send`; inserted at its turn among the operation's events (a
 * `DeferredEvent`), so its `message.created` takes the position it reserves.
 */
function system(roomId: number, content: string): DeferredEvent {
  return async (tx, now) => {
    return newMessage(await tx.insertMessage({ roomId, senderId: null, ...NO_SENDER, kind: "system", content, clientId: null, now, threadId: null, inRoom: 1, overrideName: null })).created;
  };
}

export function createRoom(
  svc: Services,
  auth: Auth,
  input: { name: string; description?: string | undefined; isPrivate?: boolean | undefined },
): Promise<Room> {
  if (!svc.roomCreateLimiter.take(String(auth.userId))) throw tooManyRequests("Too many rooms created; try again later");
  return svc.writes.run(async (tx, now) => {
    const room = toRoom(
      await insertRoom(tx.db, {
        name: input.name,
        description: input.description ?? "",
        isPrivate: input.isPrivate ?? false,
        createdBy: auth.userId,
        now,
      }),
    );
    await insertMember(tx.db, { roomId: room.id, userId: auth.userId, isAdmin: true, now });
    const events: PendingEvent[] = [
      { body: { type: "room.created", roomId: room.id, room }, scope: roomScope(room), userId: auth.userId },
      system(room.id, `${auth.username} created the room`),
    ];
    return { result: room, events };
  });
}

type RoomPatch = { name?: string | undefined; description?: string | undefined; isPrivate?: boolean | undefined; slowModeSeconds?: number | undefined };

/**
 * The events that tell who may see a room about its new state. A public room
 * turning private is, for everyone who is not a member, a removal: they get
 * `room.hidden` (only the id) and members get the new state; both come
 * before anything else the change writes (its system messages name the new
 * name), so the hub stops previews at the first of them.
 */
function roomChanged(before: Room, room: Room): EventDraft[] {
  const updated = { type: "room.updated", roomId: room.id, room } as const;
  if (!room.isPrivate) return [{ body: updated, scope: "all" }];
  if (before.isPrivate) return [{ body: updated, scope: "room" }];
  return [
    { body: updated, scope: "room" },
    { body: { type: "room.hidden", roomId: room.id }, scope: "all" },
  ];
}

export function updateRoom(svc: Services, auth: Auth, access: RoomAccess, patch: RoomPatch): Promise<Room> {
  requireAdmin(access);
  if (patch.name === undefined && patch.description === undefined && patch.isPrivate === undefined && patch.slowModeSeconds === undefined) {
    throw new DomainError("BAD_REQUEST", "Nothing to change");
  }
  const roomId = Number(access.room.id);
  return svc.writes.run(async (tx, now) => {
    // Read again inside the write: another update may have committed since the access check.
    const current = await findRoom(tx.db, roomId);
    if (!current) throw notFound("Room");
    const before = toRoom(current);
    const room = toRoom(await updateRoomRow(tx.db, roomId, patch));
    if (
      room.name === before.name &&
      room.description === before.description &&
      room.isPrivate === before.isPrivate &&
      room.slowModeSeconds === before.slowModeSeconds
    ) {
      return { result: room, events: [] };
    }
    await auditRoom(tx, auth, access, "room.update", { ...patch }, now);
    const events: PendingEvent[] = roomChanged(before, room);
    if (room.name !== before.name) {
      events.push(system(room.id, `${auth.username} renamed the room from "${before.name}" to "${room.name}"`));
    }
    if (room.isPrivate !== before.isPrivate) {
      events.push(system(room.id, `${auth.username} made the room ${room.isPrivate ? "private" : "public"}`));
    }
    if (room.slowModeSeconds !== before.slowModeSeconds) {
      const what = room.slowModeSeconds ? `turned on slow mode (one message per ${room.slowModeSeconds} s)` : "turned off slow mode";
      events.push(system(room.id, `${auth.username} ${what}`));
    }
    return { result: room, events };
  });
}

export async function deleteRoom(svc: Services, auth: Auth, access: RoomAccess): Promise<{ roomId: number }> {
  requireAdmin(access);
  const room = toRoom(access.room);
  // Its messages' files go with it, unless a message elsewhere shows them too (domain/files.ts).
  let released: string[] = [];
  const result = await svc.writes.run(async (tx, now) => {
    await softDeleteRoom(tx.db, room.id, now);
    released = await releaseFiles(tx.db, await messagesWithFilesIn(tx.db, room.id));
    await auditRoom(tx, auth, access, "room.delete", { name: room.name }, now);
    return { result: { roomId: room.id }, events: [{ body: { type: "room.deleted", roomId: room.id }, scope: roomScope(room) }] };
  });
  await removeBlobs(svc, released);
  return result;
}

/**
 * Lets this connection's stream follow a room it can see but is not in (a
 * public room being previewed), replacing its previous watch; `null` stops.
 * Access was checked by the procedure (private → NOT_FOUND); the hub checks
 * privacy again at every delivery, in log order.
 */
export function watchRoom(svc: Services, socket: Socket | null, roomId: number | null): { watching: number | null } {
  if (!socket) throw new DomainError("BAD_REQUEST", "Watching a room needs a WebSocket connection");
  svc.hub.watch(socket, roomId);
  return { watching: roomId };
}

export async function joinRoom(svc: Services, auth: Auth, access: RoomAccess): Promise<Room> {
  requireChannel(access);
  const room = toRoom(access.room);
  if (access.membership) return room;
  // roomAccess already hid private rooms from non-members.
  await svc.writes.run(async (tx, now) => {
    if (await isBanned(tx.db, room.id, auth.userId)) throw forbidden("You are banned from this room");
    return addMemberRows(tx, auth.userId, auth.username, room, now, null, `${auth.username} joined`);
  });
  return room;
}

export async function addMemberRows(
  tx: WriteTx,
  userId: number,
  username: string,
  room: Room,
  now: number,
  addedBy: number | null,
  text: string,
): Promise<Change<Member>> {
  await insertMember(tx.db, { roomId: room.id, userId, isAdmin: false, now });
  const member: Member = { userId, username, isAdmin: false, joinedAt: now };
  const events: PendingEvent[] = [
    { body: { type: "member.joined", roomId: room.id, member, room, addedBy }, scope: "room", userId },
    system(room.id, text),
  ];
  // The first member of a room its last member left becomes its admin.
  const promoted = await ensureAdmin(tx.db, room.id);
  if (promoted) events.push(promoted);
  return { result: { ...member, isAdmin: promoted?.body.userId === userId }, events };
}

/**
 * A room with members always has an admin: if none is left, the
 * longest-standing member (after a join into an empty room, the newcomer)
 * becomes one, and the returned event says so. Runs inside the write, after
 * the membership change (on PostgreSQL the event-log lock orders writers).
 */
async function ensureAdmin(
  db: Kysely<Database>,
  roomId: number,
): Promise<{ body: { type: "member.admin"; roomId: number; userId: number; isAdmin: true }; scope: "room" } | null> {
  if ((await countAdmins(db, roomId)) > 0) return null;
  const heir = await longestStandingMember(db, roomId, 0);
  if (!heir) return null;
  await setMemberAdmin(db, roomId, Number(heir.user_id), true);
  return { body: { type: "member.admin", roomId, userId: Number(heir.user_id), isAdmin: true }, scope: "room" };
}

export function addMember(svc: Services, auth: Auth, access: RoomAccess, username: string): Promise<Member> {
  requireAdmin(access);
  const room = toRoom(access.room);
  return svc.writes.run(async (tx, now) => {
    const user = await findUserByKey(tx.db, username.normalize("NFKC").toLowerCase());
    if (!user) throw notFound("User");
    if (await findMembership(tx.db, room.id, Number(user.id))) throw conflict(`${user.username} is already a member`);
    if (await isBanned(tx.db, room.id, Number(user.id))) throw forbidden(`${user.username} is banned from this room`);
    return addMemberRows(tx, Number(user.id), user.username, room, now, auth.userId, `${auth.username} added ${user.username}`);
  });
}

/**
 * Removes a member (leaving, or removed by an admin). If no admin is left,
 * the longest-standing remaining member becomes admin, so a room with
 * members is never without one (`ensureAdmin`). A private room its last
 * member leaves is deleted: nobody could ever see or join it again.
 */
export async function removeMemberRows(
  tx: WriteTx,
  roomId: number,
  target: MemberRow,
  now: number,
  leaving: { type: "left"; text: string } | { type: "removed"; by: number; text: string },
): Promise<PendingEvent[]> {
  const userId = Number(target.user_id);
  const events: PendingEvent[] = [];
  await deleteMember(tx.db, roomId, userId);
  // The heir is promoted in the same transaction, so nobody sees a room with members and no admin.
  const promoted = await ensureAdmin(tx.db, roomId);
  if (promoted) events.push(promoted);
  events.push(
    leaving.type === "left"
      ? { body: { type: "member.left", roomId, userId }, scope: "room", userId }
      : { body: { type: "member.removed", roomId, userId, removedBy: leaving.by }, scope: "room", userId },
  );
  events.push(system(roomId, leaving.text));
  const room = await findRoom(tx.db, roomId);
  if (room && Number(room.is_private) === 1 && (await countMembers(tx.db, roomId)) === 0) {
    await softDeleteRoom(tx.db, roomId, now);
    // Scope `room` with the leaver as subject: the only one who could still care.
    events.push({ body: { type: "room.deleted", roomId }, scope: "room", userId });
  }
  return events;
}

export function leaveRoom(svc: Services, auth: Auth, access: RoomAccess): Promise<{ roomId: number }> {
  requireChannel(access);
  const membership = requireMember(access);
  const roomId = Number(access.room.id);
  return svc.writes.run(async (tx, now) => ({
    result: { roomId },
    events: await removeMemberRows(tx, roomId, membership, now, { type: "left", text: `${auth.username} left` }),
  }));
}

export function removeMember(svc: Services, auth: Auth, access: RoomAccess, userId: number): Promise<{ roomId: number; userId: number }> {
  requireAdmin(access);
  const roomId = Number(access.room.id);
  if (userId === auth.userId) throw conflict("Use leave to remove yourself");
  return svc.writes.run(async (tx, now) => {
    const target = await findMembership(tx.db, roomId, userId);
    const user = await findUserById(tx.db, userId);
    if (!target || !user) throw notFound("Member");
    const text = `${user.username} was removed by ${auth.username}`;
    await auditRoom(tx, auth, access, "room.removeMember", { userId, username: user.username }, now);
    return { result: { roomId, userId }, events: await removeMemberRows(tx, roomId, target, now, { type: "removed", by: auth.userId, text }) };
  });
}

export function setAdmin(
  svc: Services,
  auth: Auth,
  access: RoomAccess,
  userId: number,
  isAdmin: boolean,
): Promise<{ roomId: number; userId: number; isAdmin: boolean }> {
  requireAdmin(access);
  const roomId = Number(access.room.id);
  return svc.writes.run(async (tx, now) => {
    const target = await findMembership(tx.db, roomId, userId);
    const user = await findUserById(tx.db, userId);
    if (!target || !user) throw notFound("Member");
    const result = { roomId, userId, isAdmin };
    if ((Number(target.is_admin) === 1) === isAdmin) return { result, events: [] };
    if (!isAdmin && (await countAdmins(tx.db, roomId)) === 1) throw conflict("A room needs at least one admin");
    await setMemberAdmin(tx.db, roomId, userId, isAdmin);
    await auditRoom(tx, auth, access, "room.setAdmin", { userId, isAdmin }, now);
    const verb = isAdmin ? "made" : "removed";
    const text = isAdmin ? `${auth.username} ${verb} ${user.username} an admin` : `${auth.username} ${verb} ${user.username} as admin`;
    return {
      result,
      events: [{ body: { type: "member.admin", roomId, userId, isAdmin }, scope: "room" }, system(roomId, text)],
    };
  });
}

export async function members(svc: Services, access: RoomAccess) {
  const rows = await listMembers(svc.db, Number(access.room.id));
  return rows.map((r) => ({
    userId: Number(r.user_id),
    username: r.username,
    isAdmin: Number(r.is_admin) === 1,
    joinedAt: Number(r.joined_at),
    online: svc.presence.isOnline(Number(r.user_id)),
    lastSeen: r.last_seen === null ? null : Number(r.last_seen),
    avatarUrl: avatarUrl(r.avatar_id),
  }));
}

/** Room management is audited (admin.audit.list); written in the action's transaction, after its checks. */
function auditRoom(tx: WriteTx, auth: Auth, access: RoomAccess, action: string, detail: Record<string, unknown>, now: number): Promise<void> {
  const roomId = String(access.room.id);
  return insertAudit(tx.db, { actorId: auth.userId, action, targetType: "room", targetId: roomId, detail: { ...detail, asServerAdmin: access.asServerAdmin === true }, now });
}

export type { Message };
