import { history, sendMessage } from "../domain/messages.ts";
import { listMessagesSchema, sendMessageSchema } from "../schemas.ts";
import { roomProcedure, router } from "../trpc.ts";

export const messagesRouter = router({
  list: roomProcedure.input(listMessagesSchema).query(({ ctx, input }) => history(ctx.svc, ctx.access, input)),
  send: roomProcedure
    .input(sendMessageSchema)
    .mutation(({ ctx, input }) => sendMessage(ctx.svc, ctx.auth, ctx.access, input)),
});
