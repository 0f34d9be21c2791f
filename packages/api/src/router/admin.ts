import * as admin from "../domain/admin.ts";
import { reports } from "../domain/moderation.ts";
import { getSettings, updateSettings } from "../domain/registration.ts";
import { adminUsersListSchema, auditListSchema, reportsListSchema, setRoleSchema, updateSettingsSchema, userTargetSchema } from "../schemas.ts";
import { router, serverAdminProcedure } from "../trpc.ts";

/** Server administration (issue 18): every procedure is for server admins only (FORBIDDEN to anyone else). */
export const adminRouter = router({
  users: router({
    list: serverAdminProcedure.input(adminUsersListSchema).query(({ ctx, input }) => admin.listUsers(ctx.svc, input ?? { limit: 50 })),
    setRole: serverAdminProcedure.input(setRoleSchema).mutation(({ ctx, input }) => admin.setUserRole(ctx.svc, ctx.auth, input)),
    deactivate: serverAdminProcedure.input(userTargetSchema).mutation(({ ctx, input }) => admin.deactivateUser(ctx.svc, ctx.auth, input)),
    reactivate: serverAdminProcedure.input(userTargetSchema).mutation(({ ctx, input }) => admin.reactivateUser(ctx.svc, ctx.auth, input)),
  }),
  settings: router({
    get: serverAdminProcedure.query(({ ctx }) => getSettings(ctx.svc)),
    update: serverAdminProcedure.input(updateSettingsSchema).mutation(({ ctx, input }) => updateSettings(ctx.svc, ctx.auth, input)),
  }),
  audit: router({
    list: serverAdminProcedure.input(auditListSchema).query(({ ctx, input }) => admin.auditLog(ctx.svc.db, input ?? { limit: 50 })),
  }),
  reports: router({
    list: serverAdminProcedure.input(reportsListSchema).query(({ ctx, input }) => reports(ctx.svc.db, input ?? { limit: 50 })),
  }),
});
