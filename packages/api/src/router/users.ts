import { searchPeople } from "../domain/people.ts";
import { searchUsersSchema } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const usersRouter = router({
  online: authedProcedure.query(({ ctx }) => ctx.svc.presence.list()),
  /** People by username prefix (case-insensitive), to start a DM or add a member. */
  search: authedProcedure.input(searchUsersSchema).query(({ ctx, input }) => searchPeople(ctx.svc, { prefix: input.query, limit: input.limit })),
});
