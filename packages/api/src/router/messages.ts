import { readBy } from "../domain/attention.ts";
import { around } from "../domain/around.ts";
import { deleteMessage, editMessage, messageRevisions } from "../domain/edits.ts";
import { history, sendMessage } from "../domain/messages.ts";
import { reportMessage } from "../domain/moderation.ts";
import { react, reactors, unreact } from "../domain/reactions.ts";
import { search } from "../domain/search.ts";
import {
  deleteMessageSchema,
  editMessageSchema,
  listMessagesSchema,
  messageRevisionsSchema,
  messagesAroundSchema,
  reactionsSchema,
  reportSchema,
  reactSchema,
  readBySchema,
  searchMessagesSchema,
  sendMessageSchema,
  unreactSchema,
} from "../schemas.ts";
import { authedProcedure, roomProcedure, router } from "../trpc.ts";

export const messagesRouter = router({
  list: roomProcedure.meta({ scope: "read" }).input(listMessagesSchema).query(({ ctx, input }) => history(ctx.svc, ctx.auth, ctx.access, input)),
  // Not a roomProcedure: the hot path checks access inside its write transaction, in the same batch.
  send: authedProcedure.meta({ scope: "write" }).input(sendMessageSchema).mutation(({ ctx, input }) => sendMessage(ctx.svc, ctx.auth, input)),
  // Edit and delete find the room from the message and check access in their write transaction, like send.
  edit: authedProcedure.meta({ scope: "write" }).input(editMessageSchema).mutation(({ ctx, input }) => editMessage(ctx.svc, ctx.auth, input)),
  delete: authedProcedure.meta({ scope: "write" }).input(deleteMessageSchema).mutation(({ ctx, input }) => deleteMessage(ctx.svc, ctx.auth, input)),
  revisions: authedProcedure.meta({ scope: "read" }).input(messageRevisionsSchema).query(({ ctx, input }) => messageRevisions(ctx.svc, ctx.auth, input)),
  // Reactions name a message, not a room: access is read from the message inside the write (domain/reactions.ts).
  react: authedProcedure.meta({ scope: "write" }).input(reactSchema).mutation(({ ctx, input }) => react(ctx.svc, ctx.auth, input)),
  unreact: authedProcedure.meta({ scope: "write" }).input(unreactSchema).mutation(({ ctx, input }) => unreact(ctx.svc, ctx.auth, input)),
  reactions: authedProcedure.meta({ scope: "read" }).input(reactionsSchema).query(({ ctx, input }) => reactors(ctx.svc, ctx.auth, input)),
  /** Members whose read marker has reached the message (DMs and rooms of up to 50 members). */
  readBy: authedProcedure.meta({ scope: "read" }).input(readBySchema).query(({ ctx, input }) => readBy(ctx.svc, ctx.auth, input.messageId)),
  // Search covers the rooms the caller belongs to (or one readable room): access is part of the query (domain/search.ts).
  search: authedProcedure.meta({ scope: "read" }).input(searchMessagesSchema).query(({ ctx, input }) => search(ctx.svc, ctx.auth, input)),
  around: roomProcedure.meta({ scope: "read" }).input(messagesAroundSchema).query(({ ctx, input }) => around(ctx.svc, ctx.auth, ctx.access, input)),
  /** To the server admins (admin.reports.list); anyone who can see the message may report it. */
  report: authedProcedure.meta({ scope: "write" }).input(reportSchema).mutation(({ ctx, input }) => reportMessage(ctx.svc, ctx.auth, input)),
});
