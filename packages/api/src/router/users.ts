import { authedProcedure, router } from "../trpc.ts";

export const usersRouter = router({
  online: authedProcedure.query(({ ctx }) => ctx.svc.presence.list()),
});
