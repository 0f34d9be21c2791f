import { openDm } from "../domain/dms.ts";
import { openDmSchema } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const dmsRouter = router({
  /** The DM of the caller and `userIds`, opened on first use; the same people always get the same room. */
  open: authedProcedure.meta({ scope: "write" }).input(openDmSchema).mutation(({ ctx, input }) => openDm(ctx.svc, ctx.auth, input.userIds)),
});
