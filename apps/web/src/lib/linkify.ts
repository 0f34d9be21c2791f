/**
 * Splits message text into plain text and links. The result is rendered as
 * text nodes and <a> elements (never innerHTML); only http(s) URLs become
 * links, so `javascript:` and friends stay text.
 */
export type TextPart = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

/**
 * A URL ends at whitespace, markup, quotes, and at any default-ignorable code
 * point (bidi controls, zero-width characters): those would make the link
 * read in another order than it goes (`gpj.exe` shown as `exe.jpg`) or hide
 * part of where it goes, so they stay in the text around it.
 */
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'`\p{Default_Ignorable_Code_Point}]+/giu;
const TRAILING = ".,;:!?)]}'\"";

const count = (s: string, ch: string) => s.split(ch).length - 1;

/** Drops sentence punctuation after a URL, but keeps a ")" that closes a "(" inside it (wiki links). */
function trimTrailing(url: string): string {
  let end = url.length;
  while (end > 0) {
    const ch = url.charAt(end - 1);
    if (!TRAILING.includes(ch)) break;
    if (ch === ")" && count(url.slice(0, end), "(") >= count(url.slice(0, end), ")")) break;
    end--;
  }
  return url.slice(0, end);
}

export function linkify(input: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of input.matchAll(URL_RE)) {
    const start = m.index;
    const raw = trimTrailing(m[0]);
    const href = safeHref(raw.toLowerCase().startsWith("www.") ? `https://${raw}` : raw);
    if (!href) continue;
    if (start > last) parts.push({ kind: "text", text: input.slice(last, start) });
    parts.push({ kind: "link", text: raw, href });
    last = start + raw.length;
  }
  if (last < input.length) parts.push({ kind: "text", text: input.slice(last) });
  return parts;
}

function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
