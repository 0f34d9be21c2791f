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
  stream: authedProcedure.meta({ scope: "read" }).input(streamSchema).subscription(async function* ({ ctx, input, signal }) {
    // Live events (typing, presence) carry the last durable position too:
    // tRPC's client keeps the id of the *last event it received* for the
    // resume, and an untracked event would clear it, so the next reconnect
    // would start fresh and silently skip what was committed meanwhile.
    let position = input?.lastEventId ?? null;
    for await (const item of streamEvents(ctx.svc, ctx.auth.userId, ctx.conn.socket, input?.lastEventId ?? null, signal)) {
      if (item.position !== null) position = String(item.position);
      yield position === null ? item.event : tracked(position, item.event);
    }
  }),
});
