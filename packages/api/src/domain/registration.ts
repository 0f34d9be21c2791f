import { randomBytes } from "node:crypto";
import {
  countUsers,
  type Database,
  findInvite,
  type InviteRow,
  insertInvite,
  type Kysely,
  listInvites,
  readSettings,
  revokeInvite,
  spendInvite,
  writeSetting,
} from "@parley/db";
import { forbidden, notFound } from "../errors.ts";
import { emailDomainSchema, type RegistrationMode, registrationModeSchema } from "../schemas-admin.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";
import { audit } from "./admin.ts";

/**
 * Who may register (issue 18): `open`, `invite` (a live invite code), or
 * `closed`, and optionally only e-mail addresses at some domains. The
 * settings live in the database, so a change by an admin on one node holds
 * on every node at once; until an admin changes one, the configured value
 * (`REGISTRATION`, `REGISTRATION_EMAIL_DOMAINS`) holds.
 */

export interface ServerSettings {
  registration: RegistrationMode;
  /** Empty: any domain. */
  emailDomains: string[];
}

function parsed<T>(text: string | undefined, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T | null {
  if (text === undefined) return null;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

const domainsSchema = emailDomainSchema.array();

export async function getSettings(svc: Pick<Services, "db" | "config">): Promise<ServerSettings> {
  const stored = await readSettings(svc.db);
  return {
    registration: parsed(stored.get("registration"), registrationModeSchema) ?? svc.config.registration,
    emailDomains: parsed(stored.get("emailDomains"), domainsSchema) ?? svc.config.registrationEmailDomains,
  };
}

export async function updateSettings(svc: Services, auth: Auth, patch: Partial<ServerSettings>): Promise<ServerSettings> {
  await svc.writes.run(async (tx, now) => {
    if (patch.registration !== undefined) await writeSetting(tx.db, "registration", JSON.stringify(patch.registration), now);
    if (patch.emailDomains !== undefined) await writeSetting(tx.db, "emailDomains", JSON.stringify([...new Set(patch.emailDomains)]), now);
    await audit(tx.db, { actorId: auth.userId, action: "settings.update", targetType: "server", targetId: null, detail: { ...patch } }, now);
    return { result: null, events: [] };
  });
  return getSettings(svc);
}

/**
 * The registration rules, checked before any password work. In invite mode
 * the invite is spent in the transaction that inserts the account
 * (`spendRegistrationInvite`), so a failed registration costs no use.
 */
export async function checkRegistration(svc: Pick<Services, "db" | "config">, input: { email: string; inviteCode?: string | undefined }): Promise<RegistrationMode> {
  const s = await getSettings(svc);
  // A fresh server's first account (its admin-to-be) registers whatever the mode: nobody could invite it.
  if (s.registration !== "open" && (await countUsers(svc.db)) === 0) return "open";
  if (s.registration === "closed") throw forbidden("Registration is closed on this server; ask an admin for an account");
  if (s.registration === "invite" && input.inviteCode === undefined) throw forbidden("Registration on this server is by invitation: open your invite link");
  const domain = input.email.slice(input.email.lastIndexOf("@") + 1);
  if (s.emailDomains.length > 0 && !s.emailDomains.includes(domain)) {
    throw forbidden(`Registration is limited to e-mail addresses at ${s.emailDomains.join(", ")}`);
  }
  return s.registration;
}

/** Inside the registration's write: FORBIDDEN (before anything is written) if the invite is not live. */
export async function spendRegistrationInvite(db: Kysely<Database>, code: string, now: number): Promise<void> {
  if (!(await spendInvite(db, code, now))) throw forbidden("That invite is no longer valid (used up, expired or revoked)");
}

export interface Invite {
  code: string;
  /** The path to share: the web app opens registration with the code filled in. */
  link: string;
  createdBy: number;
  createdAt: number;
  expiresAt: number | null;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

const toInvite = (r: InviteRow): Invite => ({
  code: r.code,
  link: `/invite/${r.code}`,
  createdBy: Number(r.created_by),
  createdAt: Number(r.created_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  maxUses: r.max_uses === null ? null : Number(r.max_uses),
  uses: Number(r.uses),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export function createInvite(svc: Services, auth: Auth, input: { maxUses?: number | undefined; expiresIn?: number | undefined } = {}): Promise<Invite> {
  // 128 bits: a code cannot be guessed.
  const code = randomBytes(16).toString("base64url");
  return svc.writes.run(async (tx, now) => {
    const row = await insertInvite(tx.db, {
      code,
      createdBy: auth.userId,
      now,
      expiresAt: input.expiresIn === undefined ? null : now + input.expiresIn * 1000,
      maxUses: input.maxUses ?? null,
    });
    await audit(tx.db, { actorId: auth.userId, action: "invite.create", targetType: "invite", targetId: code.slice(0, 6), detail: { maxUses: input.maxUses ?? null, expiresIn: input.expiresIn ?? null } }, now);
    return { result: toInvite(row), events: [] };
  });
}

export async function invites(db: Kysely<Database>): Promise<Invite[]> {
  return (await listInvites(db)).map(toInvite);
}

export function revokeInviteCode(svc: Services, auth: Auth, code: string): Promise<Invite> {
  return svc.writes.run(async (tx, now) => {
    const found = await findInvite(tx.db, code);
    if (!found) throw notFound("Invite");
    if (found.revoked_at !== null) return { result: toInvite(found), events: [] };
    await revokeInvite(tx.db, code, now);
    await audit(tx.db, { actorId: auth.userId, action: "invite.revoke", targetType: "invite", targetId: code.slice(0, 6), detail: {} }, now);
    return { result: toInvite({ ...found, revoked_at: now }), events: [] };
  });
}
