import { profileOf, updateProfile } from "../domain/account.ts";
import { attentionSettings, setDnd, setReceiptPrivacy } from "../domain/attention.ts";
import { removeAvatar, setAvatar } from "../domain/avatars.ts";
import { exportMine } from "../domain/my-data.ts";
import { searchPeople } from "../domain/people.ts";
import { exportMineSchema, searchUsersSchema, setAvatarSchema, setDndSchema, setReceiptPrivacySchema, updateProfileSchema, userIdInput } from "../schemas.ts";
import { authedProcedure, router } from "../trpc.ts";

export const usersRouter = router({
  /** Online users who share a room with the caller (and the caller): the audience presence events go to. */
  online: authedProcedure.meta({ scope: "read" }).query(({ ctx }) => ctx.svc.presence.visibleTo(ctx.auth.userId)),
  /** People by username prefix (case-insensitive), to start a DM or add a member. */
  search: authedProcedure.meta({ scope: "read" }).input(searchUsersSchema).query(({ ctx, input }) => searchPeople(ctx.svc, { prefix: input.query, limit: input.limit })),
  /** One's display name and status; people who share a room see it change live (`user.updated`). */
  updateProfile: authedProcedure.input(updateProfileSchema).mutation(({ ctx, input }) => updateProfile(ctx.svc, ctx.auth, input)),
  /** One's avatar, made by the server from one of one's uploaded images (a square WebP); not an image: BAD_REQUEST. */
  setAvatar: authedProcedure.meta({ scope: "admin" }).input(setAvatarSchema).mutation(({ ctx, input }) => setAvatar(ctx.svc, ctx.auth, input.fileId)),
  /** Back to initials. */
  removeAvatar: authedProcedure.meta({ scope: "admin" }).mutation(({ ctx }) => removeAvatar(ctx.svc, ctx.auth)),
  /** Anyone's public profile (a profile card). */
  profile: authedProcedure.meta({ scope: "read" }).input(userIdInput).query(({ ctx, input }) => profileOf(ctx.svc, input.userId)),
  /** The caller's own attention settings: do not disturb, receipt privacy. */
  settings: authedProcedure.query(({ ctx }) => attentionSettings(ctx.svc, ctx.auth.userId)),
  /** Do not disturb until `until`; null clears it. */
  setDnd: authedProcedure.input(setDndSchema).mutation(({ ctx, input }) => setDnd(ctx.svc, ctx.auth, input.until)),
  setReceiptPrivacy: authedProcedure.input(setReceiptPrivacySchema).mutation(({ ctx, input }) => setReceiptPrivacy(ctx.svc, ctx.auth, input.hidden)),
  /** The caller's own data: account, rooms, messages with their edits, reactions (messages a page at a time). */
  exportMine: authedProcedure.input(exportMineSchema).query(({ ctx, input }) => exportMine(ctx.svc, ctx.auth, input?.cursor ?? null)),
});
