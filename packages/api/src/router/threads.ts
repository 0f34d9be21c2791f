import { follow, listThreads, markThreadRead } from "../domain/thread-follows.ts";
import { listThreadsSchema, threadMarkReadSchema, threadTargetSchema } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const threadsRouter = router({
  /** Threads the caller follows (started, replied to, mentioned in, or followed), latest reply first, with unread counts. */
  list: authedProcedure.meta({ scope: "read" }).input(listThreadsSchema).query(({ ctx, input }) => listThreads(ctx.svc, ctx.auth, input ?? {})),
  follow: authedProcedure.meta({ scope: "read" }).input(threadTargetSchema).mutation(({ ctx, input }) => follow(ctx.svc, ctx.auth, input.messageId, true)),
  unfollow: authedProcedure.meta({ scope: "read" }).input(threadTargetSchema).mutation(({ ctx, input }) => follow(ctx.svc, ctx.auth, input.messageId, false)),
  /** Moves the caller's marker in a thread forward to `messageId`. */
  markRead: authedProcedure.meta({ scope: "read" }).input(threadMarkReadSchema).mutation(({ ctx, input }) => markThreadRead(ctx.svc, ctx.auth, input)),
});
