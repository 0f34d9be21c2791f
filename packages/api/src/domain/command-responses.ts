import { createHash, randomBytes } from "node:crypto";
import { insertCommandResponse, takeCommandResponse } from "@parley/db";
import { DomainError, type DomainErrorCode } from "../errors.ts";
import { commandResponseBodySchema } from "../integration-schemas.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";
import { sendMessage } from "./messages.ts";
import { hashToken } from "./tokens.ts";

/**
 * Response URLs (issue 17, as in Slack): a custom command that cannot answer
 * within its 3 s may answer later by POSTing `{ text, ephemeral? }` to the
 * `response_url` its request carried. Each URL is a secret of its own (only
 * its SHA-256 is stored), lives `RESPONSE_URL_TTL_MS` and takes
 * `RESPONSE_URL_MAX_USES` POSTs; a wrong, expired or used-up one is a 404,
 * like a webhook's. An in-room answer is a message of the command's bot through the
 * one send path; an ephemeral one a `command.replied` event for the caller.
 */

export const RESPONSE_URL_TTL_MS = 30 * 60_000;
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_PATH = "/command-responses/";

/** A new response URL for one run of a command by `userId` (its `clientId`: the run's). */
export async function issueResponseUrl(svc: Services, run: { commandId: number; roomId: number; userId: number; clientId: string }): Promise<string> {
  const secret = randomBytes(24).toString("base64url");
  const now = svc.now();
  await insertCommandResponse(svc.db, { ...run, secretHash: hashToken(secret), now, expiresAt: now + RESPONSE_URL_TTL_MS });
  return `${svc.publicOrigin()}${RESPONSE_PATH}${secret}`;
}

export type CommandResponsePost =
  | { kind: "posted"; messageId: number }
  | { kind: "told" }
  | { kind: "not-found" }
  | { kind: "bad-request"; message: string }
  /** The send refused it (the bot's rate limit, it left the room, the room is gone). */
  | { kind: "refused"; code: DomainErrorCode; message: string };

/** The clientId of an in-room answer: per Idempotency-Key (a retried POST stores one message), else per use. */
function answerClientId(secretHash: string, key: string | null, use: number): string {
  const digest = createHash("sha256").update(`${secretHash}:${key ?? `use-${use}`}`).digest("base64url");
  return `cmdr-${digest.slice(0, 43)}`;
}

export async function postCommandResponse(svc: Services, secret: string, body: unknown, idempotencyKey: string | null): Promise<CommandResponsePost> {
  const secretHash = hashToken(secret);
  const parsed = commandResponseBodySchema.safeParse(body);
  // Every POST with a live secret takes a use, a bad body or a retry too: the budget bounds what one leaked URL can do.
  const taken = await takeCommandResponse(svc.db, { secretHash, now: svc.now(), maxUses: RESPONSE_URL_MAX_USES });
  if (!taken) return { kind: "not-found" };
  if (!parsed.success) return { kind: "bad-request", message: parsed.error.issues[0]?.message ?? "The body must be JSON with a text field" };
  const { text, ephemeral, response_type } = parsed.data;
  const roomId = Number(taken.room_id);
  if (ephemeral === true || response_type === "ephemeral") {
    const userId = Number(taken.user_id);
    const command = `/${taken.command.trigger}`;
    await svc.writes.run(async () => ({ result: null, events: [{ body: { type: "command.replied", roomId, command, text }, scope: "user", userId }] }));
    return { kind: "told" };
  }
  const bot: Auth = { userId: Number(taken.command.bot_id), username: taken.command.bot_name, sessionId: `command:${taken.command.id}`, expiresAt: Number.MAX_SAFE_INTEGER };
  try {
    const message = await sendMessage(svc, bot, { roomId, content: text, clientId: answerClientId(secretHash, idempotencyKey, Number(taken.uses)) });
    return { kind: "posted", messageId: message.id };
  } catch (err) {
    if (err instanceof DomainError) return { kind: "refused", code: err.code, message: err.message };
    throw err;
  }
}
