import { deleteMessage, editMessage, messageRevisions } from "../domain/edits.ts";
import { history, sendMessage } from "../domain/messages.ts";
import { reportMessage } from "../domain/moderation.ts";
import { react, reactors, unreact } from "../domain/reactions.ts";
import {
  deleteMessageSchema,
  editMessageSchema,
  listMessagesSchema,
  messageRevisionsSchema,
  reactionsSchema,
  reportSchema,
  reactSchema,
  sendMessageSchema,
  unreactSchema,
} from "../schemas.ts";
import { authedProcedure, roomProcedure, router } from "../trpc.ts";

export const messagesRouter = router({
  list: roomProcedure.input(listMessagesSchema).query(({ ctx, input }) => history(ctx.svc, ctx.auth, ctx.access, input)),
  // Not a roomProcedure: the hot path checks access inside its write transaction, in the same batch.
  send: authedProcedure.input(sendMessageSchema).mutation(({ ctx, input }) => sendMessage(ctx.svc, ctx.auth, input)),
  // Edit and delete find the room from the message and check access in their write transaction, like send.
  edit: authedProcedure.input(editMessageSchema).mutation(({ ctx, input }) => editMessage(ctx.svc, ctx.auth, input)),
  delete: authedProcedure.input(deleteMessageSchema).mutation(({ ctx, input }) => deleteMessage(ctx.svc, ctx.auth, input)),
  revisions: authedProcedure.input(messageRevisionsSchema).query(({ ctx, input }) => messageRevisions(ctx.svc, ctx.auth, input)),
  // Reactions name a message, not a room: access is read from the message inside the write (domain/reactions.ts).
  react: authedProcedure.input(reactSchema).mutation(({ ctx, input }) => react(ctx.svc, ctx.auth, input)),
  unreact: authedProcedure.input(unreactSchema).mutation(({ ctx, input }) => unreact(ctx.svc, ctx.auth, input)),
  /** To the server admins (admin.reports.list); anyone who can see the message may report it. */
  report: authedProcedure.input(reportSchema).mutation(({ ctx, input }) => reportMessage(ctx.svc, ctx.auth, input)),
  reactions: authedProcedure.input(reactionsSchema).query(({ ctx, input }) => reactors(ctx.svc, ctx.auth, input)),
});
