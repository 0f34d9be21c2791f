import { authedProcedure, router } from "../trpc.ts";

export const usersRouter = router({
  /** Online users who share a room with the caller (and the caller): the audience presence events go to. */
  online: authedProcedure.query(({ ctx }) => ctx.svc.presence.visibleTo(ctx.auth.userId)),
});
