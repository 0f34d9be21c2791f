import { createCommand, deleteCommand, listCommands, runCommand } from "../domain/commands.ts";
import { commandIdSchema, createCommandSchema, runCommandSchema } from "../integration-schemas.ts";
import { authedProcedure, memberProcedure, roomProcedure, router } from "../trpc.ts";

export const commandsRouter = router({
  /** Runs `/trigger args` in a room; built-ins that manage rooms also need the token's `rooms` scope. */
  run: authedProcedure.meta({ scope: "write" }).input(runCommandSchema).mutation(({ ctx, input }) => runCommand(ctx.svc, ctx.auth, input)),
  // Members only: what the composer offers in a room one writes in.
  list: memberProcedure.meta({ scope: "read" }).query(({ ctx }) => listCommands(ctx.svc, ctx.access)),
  create: roomProcedure
    .meta({ scope: "admin" })
    .input(createCommandSchema)
    .mutation(({ ctx, input }) => createCommand(ctx.svc, ctx.auth, ctx.access, input)),
  delete: authedProcedure.meta({ scope: "admin" }).input(commandIdSchema).mutation(({ ctx, input }) => deleteCommand(ctx.svc, ctx.auth, input.commandId)),
});
