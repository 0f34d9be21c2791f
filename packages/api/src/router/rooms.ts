import { banMember, muteMember, unbanMember } from "../domain/moderation.ts";
import * as rooms from "../domain/rooms.ts";
import {
  addMemberSchema,
  banSchema,
  createRoomSchema,
  listRoomsSchema,
  memberTargetSchema,
  muteSchema,
  ROOM_PAGE_MAX,
  setAdminSchema,
  typingSchema,
  updateRoomSchema,
} from "../schemas.ts";
import { adminProcedure, authedProcedure, memberProcedure, roomProcedure, router } from "../trpc.ts";

export const roomsRouter = router({
  /** Without input: the first `ROOM_PAGE_MAX` rooms, as before paging; `{ after, limit }` pages on. */
  list: authedProcedure
    .input(listRoomsSchema)
    .query(({ ctx, input }) => rooms.listRooms(ctx.svc, ctx.auth.userId, input ?? { limit: ROOM_PAGE_MAX })),
  create: authedProcedure.input(createRoomSchema).mutation(({ ctx, input }) => rooms.createRoom(ctx.svc, ctx.auth, input)),
  get: roomProcedure.query(({ ctx }) => rooms.roomDetails(ctx.svc, ctx.access)),
  update: adminProcedure
    .input(updateRoomSchema)
    .mutation(({ ctx, input: { roomId: _, ...patch } }) => rooms.updateRoom(ctx.svc, ctx.auth, ctx.access, patch)),
  delete: adminProcedure.mutation(({ ctx }) => rooms.deleteRoom(ctx.svc, ctx.auth, ctx.access)),
  join: roomProcedure.mutation(({ ctx }) => rooms.joinRoom(ctx.svc, ctx.auth, ctx.access)),
  leave: roomProcedure.mutation(({ ctx }) => rooms.leaveRoom(ctx.svc, ctx.auth, ctx.access)),
  members: roomProcedure.query(({ ctx }) => rooms.members(ctx.svc, ctx.access)),
  addMember: adminProcedure
    .input(addMemberSchema)
    .mutation(({ ctx, input }) => rooms.addMember(ctx.svc, ctx.auth, ctx.access, input.username)),
  removeMember: adminProcedure
    .input(memberTargetSchema)
    .mutation(({ ctx, input }) => rooms.removeMember(ctx.svc, ctx.auth, ctx.access, input.userId)),
  setAdmin: adminProcedure
    .input(setAdminSchema)
    .mutation(({ ctx, input }) => rooms.setAdmin(ctx.svc, ctx.auth, ctx.access, input.userId, input.isAdmin)),
  /** Moderation (issue 18): a muted member reads but cannot send until `until`; a banned one is removed and cannot rejoin. */
  mute: adminProcedure.input(muteSchema).mutation(({ ctx, input }) => muteMember(ctx.svc, ctx.auth, ctx.access, input)),
  ban: adminProcedure.input(banSchema).mutation(({ ctx, input }) => banMember(ctx.svc, ctx.auth, ctx.access, input.userId)),
  unban: adminProcedure.input(banSchema).mutation(({ ctx, input }) => unbanMember(ctx.svc, ctx.auth, ctx.access, input.userId)),
  /** This connection also receives the live events of a room it previews (public, not joined); one room at a time. */
  watch: roomProcedure.mutation(({ ctx }) => rooms.watchRoom(ctx.svc, ctx.conn.socket, Number(ctx.access.room.id))),
  unwatch: authedProcedure.mutation(({ ctx }) => rooms.watchRoom(ctx.svc, ctx.conn.socket, null)),
  typing: memberProcedure.input(typingSchema).mutation(({ ctx, input }) => {
    ctx.svc.typing.set(input.roomId, ctx.auth.userId, ctx.auth.username, input.isTyping);
    return { ok: true as const };
  }),
});
