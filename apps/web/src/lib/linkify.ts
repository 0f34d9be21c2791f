/**
 * Splits message text into plain text and links. The result is rendered as
 * text nodes and <a> elements (never innerHTML); only http(s) URLs become
 * links, so `javascript:` and friends stay text.
 */
export type TextPart = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function linkify(input: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of input.matchAll(URL_RE)) {
    const start = m.index;
    let raw = m[0];
    const trail = TRAILING.exec(raw);
    // Keep a closing parenthesis that belongs to the URL, e.g. wiki links.
    if (trail && !(trail[0] === ")" && raw.includes("("))) raw = raw.slice(0, raw.length - trail[0].length);
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
