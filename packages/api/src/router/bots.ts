import { createBot, deleteBot, listBots } from "../domain/bots.ts";
import { botIdSchema, createBotSchema } from "../integration-schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const botsRouter = router({
  create: authedProcedure.meta({ scope: "admin" }).input(createBotSchema).mutation(({ ctx, input }) => createBot(ctx.svc, ctx.auth, input)),
  list: authedProcedure.meta({ scope: "admin" }).query(({ ctx }) => listBots(ctx.svc, ctx.auth)),
  delete: authedProcedure.meta({ scope: "admin" }).input(botIdSchema).mutation(({ ctx, input }) => deleteBot(ctx.svc, ctx.auth, input.botId)),
});
