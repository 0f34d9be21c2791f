import { adminRouter } from "./router/admin.ts";
import { authRouter } from "./router/auth.ts";
import { dmsRouter } from "./router/dms.ts";
import { eventsRouter } from "./router/events.ts";
import { invitesRouter } from "./router/invites.ts";
import { messagesRouter } from "./router/messages.ts";
import { roomsRouter } from "./router/rooms.ts";
import { usersRouter } from "./router/users.ts";
import { router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  rooms: roomsRouter,
  messages: messagesRouter,
  events: eventsRouter,
  dms: dmsRouter,
  admin: adminRouter,
  invites: invitesRouter,
});

export type AppRouter = typeof appRouter;
