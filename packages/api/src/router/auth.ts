import * as account from "../domain/account.ts";
import * as auth from "../domain/auth.ts";
import { changePasswordSchema, loginSchema, refreshSchema, registerSchema, sessionIdInput } from "../schemas.ts";
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

  /** Revokes every other session of the user (their sockets close on every node); this one stays. */
  changePassword: authedProcedure
    .input(changePasswordSchema)
    .mutation(({ ctx, input }) => account.changePassword(ctx.svc, ctx.auth, input, ctx.clientAddress)),

  /** The caller's live sessions, newest first. */
  sessions: authedProcedure.query(({ ctx }) => account.sessions(ctx.svc, ctx.auth)),

  revokeSession: authedProcedure.input(sessionIdInput).mutation(({ ctx, input }) => account.revokeOwnSession(ctx.svc, ctx.auth, input.id)),
});
