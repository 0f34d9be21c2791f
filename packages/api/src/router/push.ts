import { pushSubscribeSchema, pushUnsubscribeSchema } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const pushRouter = router({
  /** The server's VAPID public key: the browser's `applicationServerKey`. */
  publicKey: authedProcedure.query(({ ctx }) => ({ publicKey: ctx.svc.push.publicKey() })),
  /** Stores this browser's subscription for the caller; the endpoint must pass the SSRF filter (BAD_REQUEST otherwise). */
  subscribe: authedProcedure.input(pushSubscribeSchema).mutation(async ({ ctx, input }) => {
    await ctx.svc.push.subscribe(ctx.auth.userId, input);
    return { ok: true as const };
  }),
  unsubscribe: authedProcedure
    .input(pushUnsubscribeSchema)
    .mutation(async ({ ctx, input }) => ({ removed: await ctx.svc.push.unsubscribe(ctx.auth.userId, input.endpoint) })),
});
