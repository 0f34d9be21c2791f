import * as auth from "../domain/auth.ts";
import { loginSchema, refreshSchema, registerSchema } from "../schemas.ts";
import { authedProcedure, publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  register: publicProcedure.input(registerSchema).mutation(({ ctx, input }) => auth.register(ctx.svc, input, ctx.clientAddress)),

  login: publicProcedure.input(loginSchema).mutation(({ ctx, input }) => auth.login(ctx.svc, input, ctx.clientAddress)),

  /** Over WebSocket, the socket itself moves to the new token: no reconnect, no gap in the stream. */
  refresh: publicProcedure.input(refreshSchema).mutation(async ({ ctx, input }) => {
    const r = await auth.refresh(ctx.svc, input.refreshToken);
    const current = ctx.conn.auth;
    if (ctx.conn.socket && (!current || current.userId === r.user.id)) {
      ctx.conn.setAuth({ userId: r.user.id, username: r.user.username, sessionId: r.sessionId, expiresAt: r.accessTokenExpiresAt });
    }
    return { user: r.user, accessToken: r.accessToken, accessTokenExpiresAt: r.accessTokenExpiresAt, refreshToken: r.refreshToken };
  }),

  logout: authedProcedure.mutation(async ({ ctx }) => {
    await auth.revokeAndDisconnect(ctx.svc, ctx.auth.sessionId);
    return { ok: true as const };
  }),

  me: authedProcedure.meta({ scope: "read" }).query(({ ctx }) => auth.me(ctx.svc, ctx.auth.userId)),
});
