import { createInvite, invites, revokeInviteCode } from "../domain/registration.ts";
import { createInviteSchema, revokeInviteSchema } from "../schemas.ts";
import { router, serverAdminProcedure } from "../trpc.ts";

/** Invite links (`/invite/<code>`) for registration by invitation; server admins create and manage them. */
export const invitesRouter = router({
  create: serverAdminProcedure.input(createInviteSchema).mutation(({ ctx, input }) => createInvite(ctx.svc, ctx.auth, input ?? {})),
  list: serverAdminProcedure.query(({ ctx }) => invites(ctx.svc.db)),
  revoke: serverAdminProcedure.input(revokeInviteSchema).mutation(({ ctx, input }) => revokeInviteCode(ctx.svc, ctx.auth, input.code)),
});
