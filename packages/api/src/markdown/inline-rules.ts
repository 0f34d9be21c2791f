import type { MarkdownIt, StateInline } from "markdown-it";
import { SPECIAL_MENTIONS } from "./tree.ts";

/**
 * markdown-it inline rules for `@mention`, `#room` and `:shortcode:`. Each
 * fires only at a word start (so `ada@example.com` and `12:30:45` stay text)
 * and pushes one token whose `meta` carries what was matched. Inside code
 * spans and blocks no inline rule runs, which is why a mention in code is
 * not a mention.
 */

const USERNAME = /^[A-Za-z0-9_.-]{1,32}/;
const ROOM = /^[\p{L}\p{N}_-]{1,80}/u;
const SHORTCODE = /^:([a-z0-9_+-]{1,64}):/;

const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);

function atWordStart(state: StateInline): boolean {
  return state.pos === 0 || !isWordChar(state.src[state.pos - 1]);
}

function mention(state: StateInline, silent: boolean): boolean {
  if (state.src[state.pos] !== "@" || !atWordStart(state)) return false;
  const m = USERNAME.exec(state.src.slice(state.pos + 1, state.posMax));
  // Sentence punctuation after a name ("thanks @ada.") is not part of it.
  const name = m?.[0].replace(/[.-]+$/, "");
  if (name === undefined || name === "") return false;
  if (!silent) {
    const key = name.toLowerCase();
    const special = SPECIAL_MENTIONS[key];
    const token = state.push(special === undefined ? "mention" : "special_mention", "", 0);
    token.meta = special === undefined ? { name, key } : { name, kind: special };
  }
  state.pos += 1 + name.length;
  return true;
}

function roomRef(state: StateInline, silent: boolean): boolean {
  if (state.src[state.pos] !== "#" || !atWordStart(state)) return false;
  const m = ROOM.exec(state.src.slice(state.pos + 1, state.posMax));
  if (m === null) return false;
  if (!silent) state.push("room_ref", "", 0).meta = { name: m[0] };
  state.pos += 1 + m[0].length;
  return true;
}

function emoji(state: StateInline, silent: boolean): boolean {
  if (state.src[state.pos] !== ":" || !atWordStart(state)) return false;
  const m = SHORTCODE.exec(state.src.slice(state.pos, state.posMax));
  if (m === null || m[1] === undefined) return false;
  if (!silent) state.push("emoji", "", 0).meta = { shortcode: m[1] };
  state.pos += m[0].length;
  return true;
}

export function chatInlineRules(md: MarkdownIt): void {
  md.inline.ruler.before("emphasis", "parley_mention", mention);
  md.inline.ruler.before("emphasis", "parley_room_ref", roomRef);
  md.inline.ruler.before("emphasis", "parley_emoji", emoji);
}
