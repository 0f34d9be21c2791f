import { tracked } from "@trpc/server";
import { streamEvents } from "../realtime/stream.ts";
import { streamSchema } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const eventsRouter = router({
  /**
   * One subscription per client for every room it belongs to. Durable
   * events are `tracked` by stream position, so a reconnecting client sends
   * `lastEventId` and gets exactly what it missed, in order.
   */
  stream: authedProcedure.input(streamSchema).subscription(async function* ({ ctx, input, signal }) {
    for await (const item of streamEvents(ctx.svc, ctx.auth.userId, ctx.conn.socket, input?.lastEventId ?? null, signal)) {
      yield item.position === null ? item.event : tracked(String(item.position), item.event);
    }
  }),
});
