/**
 * What the composer offers to complete at the caret: `@person`, `#room`,
 * `:emoji`, or a `/command` at the very start. Pure functions: the token
 * before the caret, the matches, and the text after choosing one
 * (components/composer/Autocomplete.tsx).
 */
export type Trigger = "@" | "#" | ":" | "/";

export interface Token {
  trigger: Trigger;
  query: string;
  /** Where the trigger character is in the text. */
  start: number;
}

export interface Suggestion {
  /** Shown in the list. */
  label: string;
  /** A second, fainter line part (an emoji's shortcode, a room's topic). */
  detail?: string;
  /** What replaces the token (a trailing space follows). */
  insert: string;
}

// A trigger at a word start; emoji need two characters first, as "12:30" or ":)" are not emoji.
const TOKEN = /(?:^|[\s([{"'])([@#:])([\p{L}\p{N}_+.-]*)$/u;

// A command is the first word of the message, and only that (issue 17).
const COMMAND = /^\/([\w-]*)$/;

/** The token at the caret; `commands`: whether a leading `/word` counts (a room's composer, not a thread's). */
export function tokenAt(text: string, caret: number, commands = false): Token | null {
  const command = commands ? COMMAND.exec(text.slice(0, caret)) : null;
  if (command) return { trigger: "/", query: command[1] ?? "", start: 0 };
  const m = TOKEN.exec(text.slice(0, caret));
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  const trigger = m[1] as Trigger;
  if (trigger === ":" && m[2].length < 2) return null;
  return { trigger, query: m[2], start: caret - m[2].length - 1 };
}

/** Prefix matches first, then those containing the query; at most `limit`. */
export function rank<T>(items: Iterable<T>, query: string, key: (t: T) => string, limit = 8): T[] {
  const q = query.toLowerCase();
  const prefix: T[] = [];
  const inside: T[] = [];
  for (const t of items) {
    const k = key(t).toLowerCase();
    if (k.startsWith(q)) prefix.push(t);
    else if (q.length > 0 && k.includes(q)) inside.push(t);
    if (prefix.length >= limit) break;
  }
  return [...prefix, ...inside].slice(0, limit);
}

/** The text and caret after choosing `s` for `token`. */
export function applySuggestion(text: string, caret: number, token: Token, s: Suggestion): { text: string; caret: number } {
  const before = text.slice(0, token.start);
  const after = text.slice(caret);
  const inserted = `${s.insert}${after.startsWith(" ") ? "" : " "}`;
  return { text: before + inserted + after, caret: before.length + inserted.length };
}
