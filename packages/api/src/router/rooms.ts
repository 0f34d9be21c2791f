import { setRoomNotifications } from "../domain/attention.ts";
import { moveMarker } from "../domain/read-state.ts";
import { banMember, muteMember, unbanMember } from "../domain/moderation.ts";
import * as rooms from "../domain/rooms.ts";
import {
  addMemberSchema,
  banSchema,
  createRoomSchema,
  listRoomsSchema,
  markReadSchema,
  memberTargetSchema,
  muteSchema,
  ROOM_PAGE_MAX,
  setAdminSchema,
  setNotificationsSchema,
  typingSchema,
  updateRoomSchema,
} from "../schemas.ts";
import { adminProcedure, authedProcedure, memberProcedure, roomProcedure, router } from "../trpc.ts";

export const roomsRouter = router({
  /** Without input: the first `ROOM_PAGE_MAX` rooms, as before paging; `{ after, limit }` pages on. */
  list: authedProcedure.meta({ scope: "read" })
    .input(listRoomsSchema)
    .query(({ ctx, input }) => rooms.listRooms(ctx.svc, ctx.auth.userId, input ?? { limit: ROOM_PAGE_MAX })),
  create: authedProcedure.meta({ scope: "rooms" }).input(createRoomSchema).mutation(({ ctx, input }) => rooms.createRoom(ctx.svc, ctx.auth, input)),
  get: roomProcedure.meta({ scope: "read" }).query(({ ctx }) => rooms.roomDetails(ctx.svc, ctx.access)),
  update: adminProcedure.meta({ scope: "rooms" })
    .input(updateRoomSchema)
    .mutation(({ ctx, input: { roomId: _, ...patch } }) => rooms.updateRoom(ctx.svc, ctx.auth, ctx.access, patch)),
  delete: adminProcedure.meta({ scope: "rooms" }).mutation(({ ctx }) => rooms.deleteRoom(ctx.svc, ctx.auth, ctx.access)),
  join: roomProcedure.meta({ scope: "rooms" }).mutation(({ ctx }) => rooms.joinRoom(ctx.svc, ctx.auth, ctx.access)),
  leave: roomProcedure.meta({ scope: "rooms" }).mutation(({ ctx }) => rooms.leaveRoom(ctx.svc, ctx.auth, ctx.access)),
  members: roomProcedure.meta({ scope: "read" }).query(({ ctx }) => rooms.members(ctx.svc, ctx.access)),
  addMember: adminProcedure.meta({ scope: "rooms" })
    .input(addMemberSchema)
    .mutation(({ ctx, input }) => rooms.addMember(ctx.svc, ctx.auth, ctx.access, input.username)),
  removeMember: adminProcedure.meta({ scope: "rooms" })
    .input(memberTargetSchema)
    .mutation(({ ctx, input }) => rooms.removeMember(ctx.svc, ctx.auth, ctx.access, input.userId)),
  setAdmin: adminProcedure.meta({ scope: "rooms" })
    .input(setAdminSchema)
    .mutation(({ ctx, input }) => rooms.setAdmin(ctx.svc, ctx.auth, ctx.access, input.userId, input.isAdmin)),
  /** Moderation (issue 18): a muted member reads but cannot send until `until`; a banned one is removed and cannot rejoin. */
  mute: adminProcedure.meta({ scope: "rooms" }).input(muteSchema).mutation(({ ctx, input }) => muteMember(ctx.svc, ctx.auth, ctx.access, input)),
  ban: adminProcedure.meta({ scope: "rooms" }).input(banSchema).mutation(({ ctx, input }) => banMember(ctx.svc, ctx.auth, ctx.access, input.userId)),
  unban: adminProcedure.meta({ scope: "rooms" }).input(banSchema).mutation(({ ctx, input }) => unbanMember(ctx.svc, ctx.auth, ctx.access, input.userId)),
  /** This connection also receives the live events of a room it previews (public, not joined); one room at a time. */
  watch: roomProcedure.meta({ scope: "read" }).mutation(({ ctx }) => rooms.watchRoom(ctx.svc, ctx.conn.socket, Number(ctx.access.room.id))),
  unwatch: authedProcedure.meta({ scope: "read" }).mutation(({ ctx }) => rooms.watchRoom(ctx.svc, ctx.conn.socket, null)),
  typing: memberProcedure.meta({ scope: "write" }).input(typingSchema).mutation(({ ctx, input }) => {
    ctx.svc.typing.set(input.roomId, ctx.auth.userId, ctx.auth.username, input.isTyping);
    return { ok: true as const };
  }),
  /** Moves the caller's read marker forward to `messageId` (never back); unchanged, it writes nothing. */
  markRead: memberProcedure.meta({ scope: "read" }).input(markReadSchema).mutation(({ ctx, input }) => moveMarker(ctx.svc, ctx.auth, input)),
  /** Moves the marker back, so `messageId` and what follows are unread again. */
  markUnread: memberProcedure.meta({ scope: "read" }).input(markReadSchema).mutation(({ ctx, input }) => moveMarker(ctx.svc, ctx.auth, { ...input, back: true })),
  setNotifications: memberProcedure.meta({ scope: "rooms" }).input(setNotificationsSchema).mutation(({ ctx, input }) => setRoomNotifications(ctx.svc, ctx.auth, input)),
});
