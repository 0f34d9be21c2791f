import { lazyModule } from "./lazy.ts";

/** Shortcode (without colons) → emoji, from emojibase-data's Slack-style (iamcal) set: what `:thumbsup:` means here. */
export type ShortcodeMap = ReadonlyMap<string, string>;

const presentation = /\p{Emoji_Presentation}/u;

/** The emoji for an emojibase hexcode ("1F44D", "2764"): with U+FE0F where the character defaults to text. */
export function fromHexcode(hex: string): string {
  const s = String.fromCodePoint(...hex.split("-").map((h) => Number.parseInt(h, 16)));
  return presentation.test(s) || s.includes("\uFE0F") ? s : `${s}\uFE0F`;
}

export function buildShortcodes(data: Readonly<Record<string, string | readonly string[]>>): ShortcodeMap {
  const map = new Map<string, string>();
  for (const [hex, codes] of Object.entries(data)) {
    const emoji = fromHexcode(hex);
    for (const code of typeof codes === "string" ? [codes] : codes) if (!map.has(code)) map.set(code, emoji);
  }
  return map;
}

/** Loaded on first use (~16 KB gzip), in its own chunk. */
export const shortcodes = lazyModule(async () => buildShortcodes((await import("emojibase-data/en/shortcodes/iamcal.json")).default));
