import { z } from "zod";
import { inviteCodeSchema, slowModeSecondsSchema } from "./schemas-admin.ts";

export * from "./schemas-admin.ts";

/**
 * Input schemas: used as procedure inputs here and as form validators in the
 * web app, so both sides say the same thing about bad input.
 */

export const MESSAGE_MAX_CHARS = 4000;
export const PASSWORD_MIN_BYTES = 8;
/** bcrypt ignores everything past 72 bytes: longer passwords are rejected, never truncated. */
export const PASSWORD_MAX_BYTES = 72;

const encoder = new TextEncoder();
/** UTF-8 length: what bcrypt sees (works in browsers too, unlike Buffer). */
export const utf8Bytes = (s: string): number => encoder.encode(s).length;

/** Length in code points, so an emoji counts once (what a person sees). */
export const charCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

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
      .regex(/^[A-Za-z0-9_.-]+$/, "Username may only contain letters, digits, _ . and -"),
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

/** The most rooms one `rooms.list` call returns (also its default: callers without input keep getting every room of a normal server). */
export const ROOM_PAGE_MAX = 500;
/** Keyset paging in room id order: the next page starts after the last id of this one. */
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

export const messageContentSchema = z
  .string()
  .trim()
  .min(1, "Message is empty")
  .refine(hasVisibleText, "Message is empty")
  .refine((s) => !hasNul(s), "Message may not contain NUL characters")
  .refine((s) => charCount(s) <= MESSAGE_MAX_CHARS, `Message must be at most ${MESSAGE_MAX_CHARS} characters`);

export const sendMessageSchema = z
  .object({
    roomId: idSchema,
    content: messageContentSchema,
    clientId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, "clientId may only contain letters, digits, _ and -"),
    /** Replies in the thread of this message (its root's, if it is a reply itself). */
    threadId: idSchema.optional(),
    /** A reply also shown in the room's timeline. */
    alsoToRoom: z.boolean().optional(),
  })
  .refine((m) => !m.alsoToRoom || m.threadId !== undefined, { message: "alsoToRoom is for thread replies", path: ["alsoToRoom"] });
export const listMessagesSchema = z.object({
  roomId: idSchema,
  /** A thread's replies (the root first) instead of the room's timeline. */
  threadId: idSchema.optional(),
  before: idSchema.nullish(),
  limit: z.number().int().min(1).max(100).default(50),
});

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
export const DM_MAX_OTHERS = 8;
export const openDmSchema = z.object({
  userIds: z.array(idSchema).max(DM_MAX_OTHERS, `A direct message has at most ${DM_MAX_OTHERS} other people`),
});

export const USER_SEARCH_MAX = 50;
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
