/**
 * `@parley/api/markdown`: the one chat markup parser, shared by the server
 * (mention extraction) and the web app (rendering as Solid components). Its
 * own entry so the web bundle can load it as a separate chunk.
 */
export { type ExtractedMentions, extractMentions, toPlainText } from "./mentions.ts";
export { parseMarkdown } from "./parse.ts";
export { type Block, type Inline, RESERVED_USERNAMES, SPECIAL_MENTIONS, type SpecialMention } from "./tree.ts";
