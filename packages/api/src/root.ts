import { authRouter } from "./router/auth.ts";
import { dmsRouter } from "./router/dms.ts";
import { eventsRouter } from "./router/events.ts";
import { messagesRouter } from "./router/messages.ts";
import { pushRouter } from "./router/push.ts";
import { roomsRouter } from "./router/rooms.ts";
import { threadsRouter } from "./router/threads.ts";
import { usersRouter } from "./router/users.ts";
import { router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  rooms: roomsRouter,
  messages: messagesRouter,
  events: eventsRouter,
  dms: dmsRouter,
  threads: threadsRouter,
  push: pushRouter,
});

export type AppRouter = typeof appRouter;
