/**
 * Limits and counters the schemas use, without zod: the web app and the
 * client read these at start-up, and load the schemas (zod) only when a
 * form or the composer checks input (`@parley/api/limits`).
 */

export const MESSAGE_MAX_CHARS = 4000;
export const PASSWORD_MIN_BYTES = 8;
/** bcrypt ignores everything past 72 bytes: longer passwords are rejected, never truncated. */
export const PASSWORD_MAX_BYTES = 72;
/** Most rooms one `rooms.list` page returns. */
export const ROOM_PAGE_MAX = 500;
/** Most other people in one DM. */
export const DM_MAX_OTHERS = 8;
/** Most files one message carries. */
export const MAX_ATTACHMENTS = 10;
/** Most matches one `users.search` returns. */
export const USER_SEARCH_MAX = 50;

const encoder = new TextEncoder();
/** UTF-8 length: what bcrypt sees (works in browsers too, unlike Buffer). */
export const utf8Bytes = (s: string): number => encoder.encode(s).length;

/** Length in code points, so an emoji counts once (what a person sees). */
export const charCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};
