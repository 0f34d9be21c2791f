import { z } from "zod";

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

export const registerSchema = z.object({ username: usernameSchema, email: emailSchema, password: passwordSchema });
export const loginSchema = z.object({
  username: z.string().trim().min(1, "Enter your username or e-mail").max(254),
  password: z.string().min(1, "Enter your password").max(1024),
});
export const refreshSchema = z.object({ refreshToken: z.string().min(1).max(512) });

export const idSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const roomIdInput = z.object({ roomId: idSchema });

const roomName = z.string().trim().min(1, "Room name is required").max(80, "Room name must be at most 80 characters");
const roomDescription = z.string().trim().max(500, "Description must be at most 500 characters");

export const createRoomSchema = z.object({
  name: roomName,
  description: roomDescription.optional(),
  isPrivate: z.boolean().optional(),
});
export const updateRoomSchema = z.object({
  roomId: idSchema,
  name: roomName.optional(),
  description: roomDescription.optional(),
  isPrivate: z.boolean().optional(),
});
export const addMemberSchema = z.object({ roomId: idSchema, username: z.string().trim().min(1).max(64) });
export const memberTargetSchema = z.object({ roomId: idSchema, userId: idSchema });
export const setAdminSchema = z.object({ roomId: idSchema, userId: idSchema, isAdmin: z.boolean() });
export const typingSchema = z.object({ roomId: idSchema, isTyping: z.boolean() });

export const messageContentSchema = z
  .string()
  .trim()
  .min(1, "Message is empty")
  .refine((s) => charCount(s) <= MESSAGE_MAX_CHARS, `Message must be at most ${MESSAGE_MAX_CHARS} characters`);

export const sendMessageSchema = z.object({
  roomId: idSchema,
  content: messageContentSchema,
  clientId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, "clientId may only contain letters, digits, _ and -"),
});
export const listMessagesSchema = z.object({
  roomId: idSchema,
  before: idSchema.nullish(),
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
