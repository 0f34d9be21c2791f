import { searchPeople } from "../domain/people.ts";
import { searchUsersSchema } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const usersRouter = router({
  /** Online users who share a room with the caller (and the caller): the audience presence events go to. */
  online: authedProcedure.meta({ scope: "read" }).query(({ ctx }) => ctx.svc.presence.visibleTo(ctx.auth.userId)),
  /** People by username prefix (case-insensitive), to start a DM or add a member. */
  search: authedProcedure.meta({ scope: "read" }).input(searchUsersSchema).query(({ ctx, input }) => searchPeople(ctx.svc, { prefix: input.query, limit: input.limit })),
});
