import { deleteMessage, editMessage, messageRevisions } from "../domain/edits.ts";
import { history, sendMessage } from "../domain/messages.ts";
import { deleteMessageSchema, editMessageSchema, listMessagesSchema, messageRevisionsSchema, sendMessageSchema } from "../schemas.ts";
import { authedProcedure, roomProcedure, router } from "../trpc.ts";

export const messagesRouter = router({
  list: roomProcedure.input(listMessagesSchema).query(({ ctx, input }) => history(ctx.svc, ctx.auth, ctx.access, input)),
  // Not a roomProcedure: the hot path checks access inside its write transaction, in the same batch.
  send: authedProcedure.input(sendMessageSchema).mutation(({ ctx, input }) => sendMessage(ctx.svc, ctx.auth, input)),
  // Edit and delete find the room from the message and check access in their write transaction, like send.
  edit: authedProcedure.input(editMessageSchema).mutation(({ ctx, input }) => editMessage(ctx.svc, ctx.auth, input)),
  delete: authedProcedure.input(deleteMessageSchema).mutation(({ ctx, input }) => deleteMessage(ctx.svc, ctx.auth, input)),
  revisions: authedProcedure.input(messageRevisionsSchema).query(({ ctx, input }) => messageRevisions(ctx.svc, ctx.auth, input)),
});
