import { describe, expect, test } from "vitest";
import { safe } from "./terminal.ts";

// Unicode's Bidi_Control set, spelled out so the test does not share the code's regex.
const BIDI = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
const unsafe = (n: number) => (n < 0x20 && n !== 0x09 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f) || BIDI.includes(n);

describe("safe", () => {
  test("escapes exactly the C0 (but tab and newline), DEL, C1 and bidi controls of the whole BMP, as printable ASCII", () => {
    const wrong: string[] = [];
    for (let n = 0; n <= 0xffff; n++) {
      if (n >= 0xd800 && n <= 0xdfff) continue; // lone surrogates are not characters
      const c = String.fromCharCode(n);
      const out = safe(c);
      const ok = unsafe(n) ? out !== c && /^\\(x[0-9a-f]{2}|u[0-9a-f]{4})$/.test(out) : out === c;
      if (!ok) wrong.push(`U+${n.toString(16).padStart(4, "0")} -> ${JSON.stringify(out)}`);
    }
    expect(wrong).toEqual([]);
  });

  test("writes C0 as \\x and the rest as \\u escapes, which JSON reads back as the same text", () => {
    expect(safe("a\x1b[2Jb\u009bc\u202ed\x7f\n\t")).toBe("a\\x1b[2Jb\\u009bc\\u202ed\\u007f\n\t");
    const text = "x\u009b\u202e\u2066\x7f\x1b😀";
    expect(JSON.parse(safe(JSON.stringify({ text }))) as unknown).toEqual({ text });
    // Astral characters pass untouched.
    expect(safe("😀 \u{1f600}")).toBe("😀 😀");
  });
});
