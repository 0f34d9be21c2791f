import { z } from "zod";
import { charCount, DM_MAX_OTHERS, MAX_ATTACHMENTS, MESSAGE_MAX_CHARS, PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES, ROOM_PAGE_MAX, USER_SEARCH_MAX, utf8Bytes } from "./limits.ts";
import { RESERVED_USERNAMES } from "./markdown/tree.ts";
import { inviteCodeSchema, slowModeSecondsSchema } from "./schemas-admin.ts";

export * from "./schemas-admin.ts";

/**
 * Input schemas: used as procedure inputs here and as form validators in the
 * web app, so both sides say the same thing about bad input.
 */

// The limits and counters, without zod, live in limits.ts (the web app reads them before its schemas load).
export { charCount, DM_MAX_OTHERS, MESSAGE_MAX_CHARS, PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES, ROOM_PAGE_MAX, USER_SEARCH_MAX, utf8Bytes } from "./limits.ts";

/**
 * NFKC folds compatibility forms (fullwidth letters, ligatures) to ASCII;
 * the pattern then rejects everything else: bidi controls, zero-width
 * characters and non-Latin confusables never reach the database.
 */
export const usernameSchema = z
  .string()
  .transform((s) => s.normalize("NFKC").trim())
  .pipe(
    z
      .string()
      .min(3, "Username must be at least 3 characters")
      .max(32, "Username must be at most 32 characters")
      .regex(/^[A-Za-z0-9_.-]+$/, "Username may only contain letters, digits, _ . and -")
      // `@room`, `@here`… mean everyone (issue 14): nobody may be called that.
      .refine((u) => !RESERVED_USERNAMES.includes(u.toLowerCase()), "That username is reserved"),
  );

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("Enter a valid e-mail address").max(254));

export const passwordSchema = z
  .string()
  .refine((p) => utf8Bytes(p) >= PASSWORD_MIN_BYTES, `Password must be at least ${PASSWORD_MIN_BYTES} bytes`)
  .refine((p) => utf8Bytes(p) <= PASSWORD_MAX_BYTES, `Password must be at most ${PASSWORD_MAX_BYTES} bytes`);

export const registerSchema = z.object({
  username: usernameSchema,
  email: emailSchema,
  password: passwordSchema,
  /** Needed when registration is by invitation (the code of an `/invite/<code>` link). */
  inviteCode: inviteCodeSchema.optional(),
});

/** Issue 13. The current password is only compared (any length bcrypt took); the new one follows the sign-up rule. */
export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, "Enter your current password").max(1024),
  newPassword: passwordSchema,
});
export const sessionIdInput = z.object({ id: z.string().min(1).max(128) });
export const loginSchema = z.object({
  username: z.string().trim().min(1, "Enter your username or e-mail").max(254),
  password: z.string().min(1, "Enter your password").max(1024),
});
export const refreshSchema = z.object({ refreshToken: z.string().min(1).max(512) });

export const idSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const roomIdInput = z.object({ roomId: idSchema });

/**
 * Text that shows nothing: Unicode's default-ignorable code points (zero-width
 * space and joiners, word joiner, soft hyphen, bidi controls, variation
 * selectors, tags, Hangul fillers…), whitespace (the BOM included), control
 * characters and the blank Braille pattern. Anchored so a typical message
 * fails at its first visible character.
 */
const INVISIBLE_ONLY = /^[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Cc}\u2800]*$/u;
export const hasVisibleText = (s: string): boolean => !INVISIBLE_ONLY.test(s);

/**
 * Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069) and the
 * directional marks (LRM, RLM, ALM): in a name they make text read in another
 * order than it is stored (`gpj.exe` shown as `exe.jpg`). Names are shown
 * isolated (`<bdi>`), which sets their direction without these.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
export const hasBidiControl = (s: string): boolean => BIDI_CONTROL.test(s);

/** PostgreSQL cannot store U+0000 in text (SQLite can): refused everywhere, so both databases agree. */
export const hasNul = (s: string): boolean => s.includes("\u0000");

const roomName = z
  .string()
  .trim()
  .min(1, "Room name is required")
  .max(80, "Room name must be at most 80 characters")
  .refine(hasVisibleText, "Room name must have a visible character")
  .refine((s) => !hasNul(s), "Room name may not contain NUL characters")
  .refine((s) => !hasBidiControl(s), "Room name may not contain bidi control characters");
const roomDescription = z
  .string()
  .trim()
  .max(500, "Description must be at most 500 characters")
  .refine((s) => s === "" || hasVisibleText(s), "Description must have a visible character, or be empty")
  .refine((s) => !hasNul(s), "Description may not contain NUL characters");

export const DISPLAY_NAME_MAX_CHARS = 64;
export const STATUS_TEXT_MAX_CHARS = 140;
/** A display name; "" clears it (the username shows). Same guards as room names: no bidi tricks, no NUL. */
const displayName = z
  .string()
  .trim()
  .refine((s) => charCount(s) <= DISPLAY_NAME_MAX_CHARS, `Display name must be at most ${DISPLAY_NAME_MAX_CHARS} characters`)
  .refine((s) => s === "" || hasVisibleText(s), "Display name must have a visible character, or be empty")
  .refine((s) => !hasNul(s), "Display name may not contain NUL characters")
  .refine((s) => !hasBidiControl(s), "Display name may not contain bidi control characters");
const statusText = z
  .string()
  .trim()
  .refine((s) => charCount(s) <= STATUS_TEXT_MAX_CHARS, `Status must be at most ${STATUS_TEXT_MAX_CHARS} characters`)
  .refine((s) => s === "" || hasVisibleText(s), "Status must have a visible character, or be empty")
  .refine((s) => !hasNul(s), "Status may not contain NUL characters")
  .refine((s) => !hasBidiControl(s), "Status may not contain bidi control characters");
export const updateProfileSchema = z
  .object({ displayName: displayName.optional(), statusText: statusText.optional() })
  .refine((p) => p.displayName !== undefined || p.statusText !== undefined, "Nothing to change");
export const userIdInput = z.object({ userId: idSchema });

export const createRoomSchema = z.object({
  name: roomName,
  description: roomDescription.optional(),
  isPrivate: z.boolean().optional(),
});
export const updateRoomSchema = z
  .object({
    roomId: idSchema,
    name: roomName.optional(),
    description: roomDescription.optional(),
    isPrivate: z.boolean().optional(),
    slowModeSeconds: slowModeSecondsSchema.optional(),
  })
  .refine(
    (u) => u.name !== undefined || u.description !== undefined || u.isPrivate !== undefined || u.slowModeSeconds !== undefined,
    "Nothing to change",
  );

/** Keyset paging (at most ROOM_PAGE_MAX per page, also the default: callers without input keep getting every room of a normal server) in room id order: the next page starts after the last id of this one. */
export const listRoomsSchema = z
  .object({
    after: idSchema.optional(),
    limit: z.number().int().min(1).max(ROOM_PAGE_MAX).default(ROOM_PAGE_MAX),
  })
  .optional();
export const addMemberSchema = z.object({ roomId: idSchema, username: z.string().trim().min(1).max(64) });
export const memberTargetSchema = z.object({ roomId: idSchema, userId: idSchema });
export const setAdminSchema = z.object({ roomId: idSchema, userId: idSchema, isAdmin: z.boolean() });
export const typingSchema = z.object({ roomId: idSchema, isTyping: z.boolean() });

/**
 * What is kept of a message as typed: leading spaces stay (an indented first
 * line, code pasted as is); blank lines before the first line and trailing
 * whitespace go. Emptiness is judged on what remains.
 */
export const tidyMessage = (s: string): string => s.replace(/^(?:[ \t]*\r?\n)+/, "").trimEnd();

export const messageContentSchema = z
  .string()
  .overwrite(tidyMessage)
  .min(1, "Message is empty")
  .refine(hasVisibleText, "Message is empty")
  .refine((s) => !hasNul(s), "Message may not contain NUL characters")
  .refine((s) => charCount(s) <= MESSAGE_MAX_CHARS, `Message must be at most ${MESSAGE_MAX_CHARS} characters`);

/** A file id (`POST /files`): 16 random bytes, base64url. */
export const fileIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, "Not a file id");
/** Files one message may carry. */
export { MAX_ATTACHMENTS } from "./limits.ts";
/** `users.setAvatar`: one of the caller's uploads, an image. */
export const setAvatarSchema = z.object({ fileId: fileIdSchema });

/** A message's text when it has attachments: as `messageContentSchema`, but blank is allowed (stored as ""). */
const sendContentSchema = z
  .string()
  // Leading spaces are the writer's (indented code), as in messageContentSchema (issue 13).
  .overwrite(tidyMessage)
  .refine((s) => !hasNul(s), "Message may not contain NUL characters")
  .refine((s) => charCount(s) <= MESSAGE_MAX_CHARS, `Message must be at most ${MESSAGE_MAX_CHARS} characters`)
  .transform((s) => (hasVisibleText(s) ? s : ""));

export const sendMessageSchema = z
  .object({
    roomId: idSchema,
    // Checked below: blank only with attachments.
    content: sendContentSchema,
    clientId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, "clientId may only contain letters, digits, _ and -"),
    /** Replies in the thread of this message (its root's, if it is a reply itself). */
    threadId: idSchema.optional(),
    /** A reply also shown in the room's timeline. */
    alsoToRoom: z.boolean().optional(),
    /** Uploads of the sender's (`POST /files`), shown in this order. */
    attachments: z
      .array(fileIdSchema)
      .max(MAX_ATTACHMENTS, `At most ${MAX_ATTACHMENTS} attachments`)
      .refine((ids) => new Set(ids).size === ids.length, "An attachment is listed twice")
      .optional(),
  })
  .refine((m) => !m.alsoToRoom || m.threadId !== undefined, { message: "alsoToRoom is for thread replies", path: ["alsoToRoom"] })
  .refine((m) => m.content !== "" || (m.attachments?.length ?? 0) > 0, { message: "Message is empty", path: ["content"] });
export const listMessagesSchema = z
  .object({
    roomId: idSchema,
    /** A thread's replies (the root first) instead of the room's timeline. */
    threadId: idSchema.optional(),
    before: idSchema.nullish(),
    /** Paging forward: the messages after this id, oldest first (`messages.around` gives the first cursor). */
    after: idSchema.nullish(),
    limit: z.number().int().min(1).max(100).default(50),
  })
  .refine((q) => q.before == null || q.after == null, { message: "Page before or after a message, not both", path: ["after"] });

/** An edit; `rev`, if given, is the version being edited: a newer one is CONFLICT (after the same-text check). */
export const editMessageSchema = z.object({ messageId: idSchema, content: messageContentSchema, rev: z.number().int().positive().optional() });
export const deleteMessageSchema = z.object({ messageId: idSchema });
export const messageRevisionsSchema = z.object({ messageId: idSchema });
/**
 * One emoji or `:shortcode:`. Only its size is checked here (the web form
 * uses this too); which strings are emoji the server checks against
 * Unicode's data (domain/emoji.ts), which never ships to browsers.
 */
export const emojiSchema = z.string().trim().min(1, "Pick an emoji").max(80, "That is not one emoji");
export const reactSchema = z.object({ messageId: idSchema, emoji: emojiSchema });
/** The same input: unreacting names the reaction the same way. */
export const unreactSchema = reactSchema;
export const reactionsSchema = z.object({
  messageId: idSchema,
  emoji: emojiSchema,
  /** `nextCursor` of the page before. */
  cursor: z.string().regex(/^\d{1,16}\.\d{1,16}$/, "Not a cursor from this list").nullish(),
  limit: z.number().int().min(1).max(100).default(50),
});

/** `lastEventId` must be declared, or zod strips it and resume silently stops. */
export const streamSchema = z
  .object({ lastEventId: z.string().regex(/^\d{1,16}$/).nullish() })
  .optional();

export type RegisterInput = z.input<typeof registerSchema>;
export type CreateRoomInput = z.input<typeof createRoomSchema>;

/** A DM's other members: 1–8 people (the caller and repeats are dropped), or none for a note-to-self. */
export const openDmSchema = z.object({
  userIds: z.array(idSchema).max(DM_MAX_OTHERS, `A direct message has at most ${DM_MAX_OTHERS} other people`),
});

/** A username prefix, folded like usernames are (NFKC, lower case), so it can only match username keys. */
export const searchUsersSchema = z.object({
  query: z
    .string()
    .transform((s) => s.normalize("NFKC").trim().toLowerCase())
    .pipe(
      z
        .string()
        .min(1, "Type the start of a username")
        .max(32, "Usernames are at most 32 characters")
        .regex(/^[a-z0-9_.-]+$/, "Usernames only contain letters, digits, _ . and -"),
    ),
  limit: z.number().int().min(1).max(USER_SEARCH_MAX).default(10),
});

// Attention (issue 14): read markers, notification settings, receipts, threads followed.

export const markReadSchema = z.object({ roomId: idSchema, messageId: idSchema });
export const notifyLevelSchema = z.enum(["all", "mentions", "none"]);
export const setNotificationsSchema = z.object({ roomId: idSchema, level: notifyLevelSchema, muted: z.boolean().optional() });
/** Do not disturb until `until` (epoch ms); null clears it. */
export const setDndSchema = z.object({ until: z.number().int().nonnegative().max(8.64e15).nullable() });
/** `hidden`: nobody sees you in `messages.readBy` (your own counts still clear). */
export const setReceiptPrivacySchema = z.object({ hidden: z.boolean() });
export const readBySchema = z.object({ messageId: idSchema });
/** A thread, named by its root or any of its replies. */
export const threadTargetSchema = z.object({ messageId: idSchema });
export const threadMarkReadSchema = z.object({ threadId: idSchema, messageId: idSchema });
export const THREAD_PAGE_MAX = 100;
export const listThreadsSchema = z.object({ unreadOnly: z.boolean().optional(), limit: z.number().int().min(1).max(THREAD_PAGE_MAX).optional() }).optional();

/** A browser's PushSubscription, as `subscription.toJSON()` gives it (the keys base64url). */
const base64url = z.string().regex(/^[A-Za-z0-9_-]+=*$/, "must be base64url");
export const pushSubscribeSchema = z.object({
  endpoint: z.string().url().max(2048),
  keys: z.object({ p256dh: base64url.min(80).max(120), auth: base64url.min(16).max(32) }),
});
export const pushUnsubscribeSchema = z.object({ endpoint: z.string().max(2048) });

export const SEARCH_PAGE_MAX = 100;
/**
 * `messages.search`. The query is parsed on the server (domain/search-query.ts);
 * here only its size is checked, so the web box can use the same schema.
 */
export const searchMessagesSchema = z.object({
  query: z.string().max(500, "Search query must be at most 500 characters").refine((s) => !hasNul(s), "Search query may not contain NUL characters"),
  /** Only this room (which the caller must be able to read). */
  roomId: idSchema.optional(),
  limit: z.number().int().min(1).max(SEARCH_PAGE_MAX).default(20),
  /** `nextCursor` of the page before (a message id when newest first, `r<offset>` by relevance). */
  cursor: z.string().regex(/^(\d{1,16}|r\d{1,9})$/, "Not a cursor from this search").nullish(),
  sort: z.enum(["newest", "relevance"]).default("newest"),
});
export type SearchMessagesInput = z.input<typeof searchMessagesSchema>;

/** `messages.around`: a page centred on a message, with cursors both ways. */
export const messagesAroundSchema = z.object({
  roomId: idSchema,
  messageId: idSchema,
  limit: z.number().int().min(1).max(100).default(50),
});
