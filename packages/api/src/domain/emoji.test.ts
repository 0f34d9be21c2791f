import data from "emojibase-data/en/compact.json" with { type: "json" };
import emojibase from "emojibase-data/en/shortcodes/emojibase.json" with { type: "json" };
import iamcal from "emojibase-data/en/shortcodes/iamcal.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { buildEmojiTable, type EmojiTable, makeEmojiTable } from "./emoji.ts";

const table = buildEmojiTable(data, [emojibase, iamcal]);
const hex = (s: string) => [...s].map((c) => c.codePointAt(0)?.toString(16).toUpperCase()).join(" ");

describe("the emoji table", () => {
  it("stores an emoji in its fully-qualified form, with or without U+FE0F", () => {
    expect(hex(table.resolve("👍") ?? "")).toBe("1F44D");
    expect(table.resolve("👍\uFE0F")).toBe("👍");
    expect(hex(table.resolve("❤") ?? "")).toBe("2764 FE0F");
    expect(table.resolve("❤\uFE0F")).toBe("❤\uFE0F");
    expect(hex(table.resolve("1\u20E3") ?? "")).toBe("31 FE0F 20E3");
    expect(table.resolve("  🎉 ")).toBe("🎉");
  });

  it("knows skin tones, ZWJ sequences and flags from the data", () => {
    expect(table.resolve("👍🏽")).toBe("👍🏽");
    expect(table.resolve("👍\uFE0F🏽")).toBe("👍🏽");
    expect(hex(table.resolve("☝🏻") ?? "")).toBe("261D 1F3FB");
    expect(hex(table.resolve("🏳\u200D🌈") ?? "")).toBe("1F3F3 FE0F 200D 1F308");
    expect(table.resolve("❤️‍🔥")).toBe("❤️‍🔥");
    expect(table.resolve("👨‍👩‍👧")).toBe("👨‍👩‍👧");
    expect(table.resolve("🇺🇸")).toBe("🇺🇸");
    expect(table.resolve("🏴󠁧󠁢󠁳󠁣󠁴󠁿")).toBe("🏴󠁧󠁢󠁳󠁣󠁴󠁿");
  });

  it("turns a :shortcode: into its emoji, from emojibase's set or Slack's", () => {
    expect(table.resolve(":thumbsup:")).toBe("👍");
    expect(table.resolve(":+1:")).toBe("👍");
    expect(table.resolve(":HEART:")).toBe("❤\uFE0F");
    expect(table.resolve(":+1_tone3:")).toBe("👍🏽");
    expect(table.resolve(":tada:")).toBe("🎉");
    // Slack's name (iamcal) where emojibase calls it something else.
    expect(table.resolve(":slightly_smiling_face:")).toBe("🙂");
  });

  it("refuses text, two emoji, sequences not in the data and lone components", () => {
    const refused = [
      "",
      "a",
      "hello",
      "1",
      "#",
      "👍👍",
      "👍❤️",
      "👍 🎉",
      "👍\u200D❤️", // a ZWJ sequence nobody defined
      "🏽", // a skin tone on its own
      "🇦", // half a flag
      "❤\uFE0E", // the text presentation asked for explicitly
      ":nope_not_an_emoji:",
      ":thumbsup",
      "thumbsup",
      ":👍:",
      "<script>",
    ];
    for (const s of refused) expect(table.resolve(s), JSON.stringify(s)).toBeNull();
  });

  it("stores every emoji of the data in one form that resolves to itself", () => {
    const all = data.filter((e) => e.group !== undefined && e.group !== 2).flatMap((e) => [e, ...(e.skins ?? [])]);
    expect(all.length).toBeGreaterThan(3000);
    for (const e of all) {
      const stored = table.resolve(e.unicode);
      expect(stored, e.hexcode).not.toBeNull();
      expect(table.resolve(stored ?? ""), e.hexcode).toBe(stored);
      expect(table.resolve(e.unicode.replaceAll("\uFE0F", "")), e.hexcode).toBe(stored);
    }
    expect(table.size).toBe(all.length);
  });

  // An independent check of the fully-qualified form: the runtime's own RGI_Emoji set, when it knows this Unicode version.
  it.runIf(Number(process.versions.unicode) >= 17)("stores only what Unicode lists as a recommended emoji (RGI_Emoji)", () => {
    // biome-ignore lint/complexity/useRegexLiterals: tsc refuses the `v` flag in a literal below its ES2024 target; the runtime has it.
    const rgi = new RegExp("^\\p{RGI_Emoji}$", "v");
    const all = data.filter((e) => e.group !== undefined && e.group !== 2).flatMap((e) => [e, ...(e.skins ?? [])]);
    const notRgi = all.map((e) => table.resolve(e.unicode) ?? "").filter((s) => !rgi.test(s));
    expect(notRgi.map(hex)).toEqual([]);
  });

  it("is loaded on first use, once, and loaded again after a failed load", async () => {
    let loads = 0;
    let fail = true;
    const lazy = makeEmojiTable(async (): Promise<EmojiTable> => {
      loads++;
      if (fail) throw new Error("disk on fire");
      return table;
    });
    expect(loads).toBe(0);
    await expect(lazy.resolve("👍")).rejects.toThrow("disk on fire");
    fail = false;
    expect(await Promise.all([lazy.resolve("👍"), lazy.resolve(":tada:"), lazy.resolve("x")])).toEqual(["👍", "🎉", null]);
    await lazy.resolve("🎉");
    expect(loads).toBe(2);
  });

  it("loads emojibase-data itself when asked to", async () => {
    expect(await makeEmojiTable().resolve(":thumbsup:")).toBe("👍");
  });
});
