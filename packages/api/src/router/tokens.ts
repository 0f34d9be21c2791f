import { createToken, listTokens, revokeToken } from "../domain/tokens.ts";
import { createTokenSchema, tokenIdSchema } from "../integration-schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

/** Personal access tokens: managing them is `admin` scope (a token cannot mint a wider one). */
export const tokensRouter = router({
  /** The token is in this reply only: it is stored as its SHA-256. */
  create: authedProcedure.meta({ scope: "admin" }).input(createTokenSchema).mutation(({ ctx, input }) => createToken(ctx.svc, ctx.auth, input)),
  list: authedProcedure.meta({ scope: "admin" }).query(({ ctx }) => listTokens(ctx.svc, ctx.auth)),
  revoke: authedProcedure.meta({ scope: "admin" }).input(tokenIdSchema).mutation(({ ctx, input }) => revokeToken(ctx.svc, ctx.auth, input.id)),
});
