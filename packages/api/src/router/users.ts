import { exportMine } from "../domain/my-data.ts";
import { searchPeople } from "../domain/people.ts";
import { exportMineSchema, searchUsersSchema } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const usersRouter = router({
  /** Online users who share a room with the caller (and the caller): the audience presence events go to. */
  online: authedProcedure.query(({ ctx }) => ctx.svc.presence.visibleTo(ctx.auth.userId)),
  /** People by username prefix (case-insensitive), to start a DM or add a member. */
  search: authedProcedure.input(searchUsersSchema).query(({ ctx, input }) => searchPeople(ctx.svc, { prefix: input.query, limit: input.limit })),
  /** The caller's own data: account, rooms, messages with their edits, reactions (messages a page at a time). */
  exportMine: authedProcedure.input(exportMineSchema).query(({ ctx, input }) => exportMine(ctx.svc, ctx.auth, input?.cursor ?? null)),
});
