import { z } from "zod";

/**
 * Inputs of the server-admin, invitation and moderation procedures (issue
 * 18); re-exported by schemas.ts so the web app's forms use the same ones.
 */

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const REGISTRATION_MODES = ["open", "invite", "closed"] as const;
export const registrationModeSchema = z.enum(REGISTRATION_MODES);
export type RegistrationMode = z.infer<typeof registrationModeSchema>;

/** A bare domain (`example.com`), lower-cased: an e-mail's part after the `@` must equal one. */
export const emailDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "Enter a domain like example.com");

export const updateSettingsSchema = z
  .object({
    registration: registrationModeSchema.optional(),
    /** Empty: any domain. */
    emailDomains: z.array(emailDomainSchema).max(100, "At most 100 domains").optional(),
  })
  .refine((s) => s.registration !== undefined || s.emailDomains !== undefined, "Nothing to change");

export const SERVER_ROLES = ["admin", "member"] as const;
export const adminUsersListSchema = z
  .object({
    /** Part of a username or e-mail address. */
    query: z.string().trim().toLowerCase().max(254).optional(),
    /** `nextCursor` of the page before. */
    cursor: id.nullish(),
    limit: z.number().int().min(1).max(100).default(50),
  })
  .optional();
export const setRoleSchema = z.object({ userId: id, role: z.enum(SERVER_ROLES) });
export const userTargetSchema = z.object({ userId: id });
export const auditListSchema = z.object({ cursor: id.nullish(), limit: z.number().int().min(1).max(100).default(50) }).optional();

/** Longest an invite may live: 90 days. */
export const INVITE_MAX_SECONDS = 90 * 86_400;
export const createInviteSchema = z
  .object({
    maxUses: z.number().int().min(1, "At least one use").max(10_000).optional(),
    /** Seconds from now; unset: never expires. */
    expiresIn: z.number().int().min(60, "At least a minute").max(INVITE_MAX_SECONDS, "At most 90 days").optional(),
  })
  .optional();
export const inviteCodeSchema = z
  .string()
  .trim()
  .min(8, "Not an invite code")
  .max(64, "Not an invite code")
  .regex(/^[A-Za-z0-9_-]+$/, "Not an invite code");
export const revokeInviteSchema = z.object({ code: inviteCodeSchema });

/** Longest a mute may last: a year (longer is a ban). */
export const MUTE_MAX_MS = 365 * 86_400_000;
export const muteSchema = z.object({
  roomId: id,
  userId: id,
  /** Epoch milliseconds; null or a past time: unmute. */
  until: z.number().int().min(0).max(8.64e15).nullable(),
});
export const banSchema = z.object({ roomId: id, userId: id });
/** Slow mode: at most six hours between one member's messages. */
export const SLOW_MODE_MAX_SECONDS = 6 * 3600;
export const slowModeSecondsSchema = z.number().int().min(0).max(SLOW_MODE_MAX_SECONDS, "Slow mode is at most 6 hours");
export const reportSchema = z.object({
  messageId: id,
  reason: z.string().trim().min(1, "Say what is wrong").max(1000, "At most 1000 characters"),
});
export const reportsListSchema = auditListSchema;

/** `users.exportMine`: without input the first page (and the account, rooms and reactions). */
export const exportMineSchema = z.object({ cursor: id.nullish() }).optional();
