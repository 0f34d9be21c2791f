import { history, sendMessage } from "../domain/messages.ts";
import { listMessagesSchema, sendMessageSchema } from "../schemas.ts";
import { authedProcedure, roomProcedure, router } from "../trpc.ts";

export const messagesRouter = router({
  list: roomProcedure.input(listMessagesSchema).query(({ ctx, input }) => history(ctx.svc, ctx.auth, ctx.access, input)),
  // Not a roomProcedure: the hot path checks access inside its write transaction, in the same batch.
  send: authedProcedure.input(sendMessageSchema).mutation(({ ctx, input }) => sendMessage(ctx.svc, ctx.auth, input)),
});
