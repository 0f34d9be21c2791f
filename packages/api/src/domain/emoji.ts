/**
 * Which strings are one emoji, by Unicode's emoji data as emojibase-data
 * publishes it, and the one form each is stored in. Server-side only: the
 * data (~800 kB of JSON) is read on first use, never on import, and never
 * reaches the web bundle (the web app imports `@parley/api` for types only).
 */

/** What we read of an entry of emojibase-data's `compact.json`. */
export interface EmojiData {
  hexcode: string;
  unicode: string;
  group?: number | undefined;
  skins?: readonly EmojiData[] | undefined;
}

/** A shortcode dataset: hexcode → shortcode(s), without colons. */
export type ShortcodeData = Readonly<Record<string, string | readonly string[]>>;

export interface EmojiTable {
  /** The stored form of one emoji or `:shortcode:`, or null if `input` is neither. */
  resolve(input: string): string | null;
  /** How many emoji (skin tones included) the table knows. */
  readonly size: number;
}

/** Emojibase's "component" group: skin tones and hair styles on their own are parts of emoji, not reactions. */
const COMPONENT_GROUP = 2;
const VS16 = "\uFE0F";
const SHORTCODE = /^:([a-z0-9_+-]{1,64}):$/;

const isEmoji = /\p{Emoji}/u;
const hasEmojiPresentation = /\p{Emoji_Presentation}/u;
const isModifier = /\p{Emoji_Modifier}/u;

/** The emoji without presentation selectors: how the table is keyed, so 👍 and 👍️ are the same reaction. */
const keyOf = (s: string): string => s.replaceAll(VS16, "");

/**
 * Unicode's fully-qualified form (UTS #51): U+FE0F after each character that
 * defaults to text presentation (❤, ☺, ©, a keycap's digit), unless a skin
 * tone follows it. That is what emoji keyboards send, so stored reactions
 * look like what people type (emojibase itself puts U+FE0F after nearly
 * everything, 👍 included, which no keyboard sends).
 */
export function fullyQualified(key: string): string {
  const chars = [...key];
  let out = "";
  for (const [i, c] of chars.entries()) {
    out += c;
    const next = chars[i + 1];
    if (isEmoji.test(c) && !hasEmojiPresentation.test(c) && !(next !== undefined && isModifier.test(next))) out += VS16;
  }
  return out;
}

export function buildEmojiTable(data: readonly EmojiData[], shortcodeSets: readonly ShortcodeData[]): EmojiTable {
  const byKey = new Map<string, string>();
  const byHexcode = new Map<string, string>();
  const add = (e: EmojiData) => {
    const key = keyOf(e.unicode);
    const stored = byKey.get(key) ?? fullyQualified(key);
    byKey.set(key, stored);
    byHexcode.set(e.hexcode, stored);
  };
  for (const e of data) {
    if (e.group === undefined || e.group === COMPONENT_GROUP) continue;
    add(e);
    for (const skin of e.skins ?? []) add(skin);
  }
  // Earlier sets win a shortcode that two sets give to different emoji.
  const byShortcode = new Map<string, string>();
  for (const set of shortcodeSets) {
    for (const [hexcode, codes] of Object.entries(set)) {
      const stored = byHexcode.get(hexcode);
      if (stored === undefined) continue;
      for (const code of typeof codes === "string" ? [codes] : codes) if (!byShortcode.has(code)) byShortcode.set(code, stored);
    }
  }
  return {
    size: byKey.size,
    resolve(input) {
      const s = input.trim();
      const code = SHORTCODE.exec(s.toLowerCase());
      if (code?.[1] !== undefined) return byShortcode.get(code[1]) ?? null;
      return byKey.get(keyOf(s)) ?? null;
    },
  };
}

/** The English data and the shortcodes people type: emojibase's own set, then Slack's (iamcal). */
async function loadEmojibase(): Promise<EmojiTable> {
  const [data, emojibase, iamcal] = await Promise.all([
    import("emojibase-data/en/compact.json", { with: { type: "json" } }),
    import("emojibase-data/en/shortcodes/emojibase.json", { with: { type: "json" } }),
    import("emojibase-data/en/shortcodes/iamcal.json", { with: { type: "json" } }),
  ]);
  return buildEmojiTable(data.default, [emojibase.default, iamcal.default]);
}

export interface LazyEmojiTable {
  resolve(input: string): Promise<string | null>;
}

/** The table, loaded on its first use (once; a failed load is tried again next time). */
export function makeEmojiTable(load: () => Promise<EmojiTable> = loadEmojibase): LazyEmojiTable {
  let table: Promise<EmojiTable> | null = null;
  return {
    async resolve(input) {
      table ??= load().catch((err: unknown) => {
        table = null;
        throw err;
      });
      return (await table).resolve(input);
    },
  };
}
