import { z } from "zod";
import { hasBidiControl, hasNul, hasVisibleText, idSchema, messageContentSchema, usernameSchema } from "./schemas.ts";

/** Input schemas of bots, tokens and webhooks (issue 17), shared with the web app (`@parley/api/integration-schemas`). */

/**
 * What a personal access token may do. `read`: rooms, history, the stream;
 * `write`: send, edit, react; `rooms`: create, join, leave, manage;
 * `admin`: whatever the user may do (tokens, bots, webhooks included).
 */
export const TOKEN_SCOPES = ["read", "write", "rooms", "admin"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const tokenScopeSchema = z.enum(TOKEN_SCOPES);

/** Personal access tokens start with this, so secret scanners and people can recognise one. */
export const PAT_PREFIX = "parley_pat_";
/** The longest a token may live: ten years, in seconds. */
export const TOKEN_MAX_SECONDS = 10 * 365 * 86_400;

const label = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .max(80, `${what} must be at most 80 characters`)
    .refine(hasVisibleText, `${what} must have a visible character`)
    .refine((s) => !hasNul(s), `${what} may not contain NUL characters`)
    .refine((s) => !hasBidiControl(s), `${what} may not contain bidi control characters`);

export const createTokenSchema = z.object({
  name: label("Token name"),
  scopes: z
    .array(tokenScopeSchema)
    .min(1, "Pick at least one scope")
    .max(TOKEN_SCOPES.length)
    .transform((s) => [...new Set(s)]),
  /** Seconds from now; without it the token lives until revoked. */
  expiresIn: z.number().int().min(60, "A token lives at least a minute").max(TOKEN_MAX_SECONDS).optional(),
  /** A token for one of the caller's bots, instead of for the caller. */
  botId: idSchema.optional(),
});
export const tokenIdSchema = z.object({ id: idSchema });

export const createBotSchema = z.object({ username: usernameSchema, displayName: label("Display name").optional() });
export const botIdSchema = z.object({ botId: idSchema });

export const createWebhookSchema = z.object({ roomId: idSchema, name: label("Webhook name") });
export const webhookIdSchema = z.object({ webhookId: idSchema });

/**
 * An incoming webhook's body: the Slack subset Parley takes. Unknown fields
 * (attachments, blocks, icon_emoji…) are ignored, so Slack payloads post their text.
 */
export const incomingWebhookBodySchema = z.object({
  text: messageContentSchema,
  /**
   * Slack's name override: stored on the message (`sender.overrideName`) and
   * shown as "<username> via webhook", still as the webhook's bot. Blank: none.
   */
  username: z
    .string()
    .trim()
    .max(80, "username must be at most 80 characters")
    .refine((s) => !hasNul(s), "username may not contain NUL characters")
    .refine((s) => !hasBidiControl(s), "username may not contain bidi control characters")
    .optional(),
});

/** Where an outgoing webhook posts: http(s), no credentials in the URL (the signature authenticates Parley). */
const webhookUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "http:" || u.protocol === "https:") && u.username === "" && u.password === "";
    } catch {
      return false;
    }
  }, "Enter an http(s) URL without a user name or password");

export const createOutgoingWebhookSchema = z.object({
  roomId: idSchema,
  url: webhookUrl,
  /** Only messages whose first word is one of these (case-insensitive); none: every message. */
  triggerWords: z
    .array(z.string().trim().min(1).max(32).regex(/^\S+$/, "A trigger word is one word"))
    .max(20)
    .optional(),
});

/** A command line from the composer: `/trigger args`. */
export const runCommandSchema = z.object({
  roomId: idSchema,
  text: z.string().trim().min(2, "Type a command after /").max(4100).regex(/^\//, "A command starts with /"),
  clientId: z.string().min(1).max(48).regex(/^[A-Za-z0-9_-]+$/, "clientId may only contain letters, digits, _ and -"),
});
export const createCommandSchema = z.object({
  roomId: idSchema,
  trigger: z.string().trim().min(1).max(32).regex(/^[A-Za-z0-9_-]+$/, "A trigger is letters, digits, _ and -"),
  url: webhookUrl,
});
export const commandIdSchema = z.object({ commandId: idSchema });

/**
 * What an integration POSTs to a command's response URL (a late answer):
 * `text`, in the room as the command's bot unless `ephemeral` is true (or
 * Slack's `response_type` is "ephemeral"): then for the caller alone.
 * Unknown fields are ignored.
 */
export const commandResponseBodySchema = z.object({
  text: messageContentSchema,
  ephemeral: z.boolean().optional(),
  response_type: z.string().max(32).optional(),
});
