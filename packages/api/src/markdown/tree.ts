/**
 * The message markup tree: what every renderer consumes (Solid components in
 * the web app, mention extraction on the server, plain text for
 * notifications and snippets). Our own small types rather than markdown-it's
 * tokens, so renderers never see HTML and the parser can change underneath.
 */

export type Inline =
  | { type: "text"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  | { type: "strike"; children: Inline[] }
  | { type: "code"; text: string }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "break" }
  /** `@name`: `name` as typed; `key` folded for lookup (lower case). */
  | { type: "mention"; name: string; key: string }
  /** `@room`, `@here` (and the aliases `@all`, `@everyone`, `@channel` of `@room`). */
  | { type: "special"; name: string; kind: SpecialMention }
  /** `#name`: a room reference; the renderer decides whether such a room exists. */
  | { type: "roomRef"; name: string }
  /** `:shortcode:`; the renderer resolves it (falling back to the text). */
  | { type: "emoji"; shortcode: string };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "quote"; children: Block[] }
  | { type: "list"; ordered: boolean; start: number; items: Block[][] }
  /** A fenced code block: `text` exactly as written, whitespace and all. */
  | { type: "codeBlock"; lang: string; text: string };

export type SpecialMention = "room" | "here";

/** Names that mean everyone or everyone online: they can never be usernames. */
export const SPECIAL_MENTIONS: Readonly<Record<string, SpecialMention>> = {
  room: "room",
  all: "room",
  everyone: "room",
  channel: "room",
  here: "here",
};

export const RESERVED_USERNAMES: readonly string[] = Object.keys(SPECIAL_MENTIONS);
