import { createOutgoingWebhook, deleteOutgoingWebhook, outgoingDeliveries } from "../domain/outgoing.ts";
import { createWebhook, deleteWebhook, listWebhooks, rotateWebhook } from "../domain/webhooks.ts";
import { createOutgoingWebhookSchema, createWebhookSchema, webhookIdSchema } from "../integration-schemas.ts";
import { authedProcedure, roomProcedure, router } from "../trpc.ts";

/** Incoming webhooks, managed by a room's admins (`admin` scope: each one is a credential that posts). */
export const webhooksRouter = router({
  create: roomProcedure
    .meta({ scope: "admin" })
    .input(createWebhookSchema)
    .mutation(({ ctx, input }) => createWebhook(ctx.svc, ctx.auth, ctx.access, input.name)),
  list: roomProcedure.meta({ scope: "admin" }).query(({ ctx }) => listWebhooks(ctx.svc, ctx.access)),
  rotate: authedProcedure.meta({ scope: "admin" }).input(webhookIdSchema).mutation(({ ctx, input }) => rotateWebhook(ctx.svc, ctx.auth, input.webhookId)),
  delete: authedProcedure.meta({ scope: "admin" }).input(webhookIdSchema).mutation(({ ctx, input }) => deleteWebhook(ctx.svc, ctx.auth, input.webhookId)),
  /** Returns the signing secret (shown once here). */
  createOutgoing: roomProcedure
    .meta({ scope: "admin" })
    .input(createOutgoingWebhookSchema)
    .mutation(({ ctx, input }) => createOutgoingWebhook(ctx.svc, ctx.auth, ctx.access, input)),
  deleteOutgoing: authedProcedure
    .meta({ scope: "admin" })
    .input(webhookIdSchema)
    .mutation(({ ctx, input }) => deleteOutgoingWebhook(ctx.svc, ctx.auth, input.webhookId)),
  deliveries: authedProcedure
    .meta({ scope: "admin" })
    .input(webhookIdSchema)
    .query(({ ctx, input }) => outgoingDeliveries(ctx.svc, ctx.auth, input.webhookId)),
});
