import { adminRouter } from "./router/admin.ts";
import { authRouter } from "./router/auth.ts";
import { botsRouter } from "./router/bots.ts";
import { commandsRouter } from "./router/commands.ts";
import { dmsRouter } from "./router/dms.ts";
import { eventsRouter } from "./router/events.ts";
import { invitesRouter } from "./router/invites.ts";
import { messagesRouter } from "./router/messages.ts";
import { pushRouter } from "./router/push.ts";
import { roomsRouter } from "./router/rooms.ts";
import { threadsRouter } from "./router/threads.ts";
import { tokensRouter } from "./router/tokens.ts";
import { usersRouter } from "./router/users.ts";
import { webhooksRouter } from "./router/webhooks.ts";
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
  tokens: tokensRouter,
  bots: botsRouter,
  webhooks: webhooksRouter,
  commands: commandsRouter,
  admin: adminRouter,
  invites: invitesRouter,
});

export type AppRouter = typeof appRouter;
