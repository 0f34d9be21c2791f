import { parseSearchQuery, type QueryNode, QuerySyntaxError } from "@parley/api/search";

/**
 * Pure helpers of the search box: the query parsed with the server's own
 * parser (`@parley/api/search`), filters shown as chips, and the filter
 * being typed at the end of the box, for autocomplete.
 */

export interface Chip {
  label: string;
  start: number;
  end: number;
}

export type Parsed = { ok: true; chips: Chip[] } | { ok: false; error: string; position: number };

const chipLabel = (n: QueryNode, text: string): string | null => {
  if (n.kind === "word" || n.kind === "phrase" || n.kind === "substring" || n.kind === "not") return null;
  return text.slice(n.start, n.end);
};

export function parseBox(text: string): Parsed {
  if (text.trim() === "") return { ok: true, chips: [] };
  try {
    const q = parseSearchQuery(text);
    const chips: Chip[] = [];
    for (const n of q.children) {
      const label = chipLabel(n, text);
      if (label !== null) chips.push({ label, start: n.start, end: n.end });
    }
    return { ok: true, chips };
  } catch (err) {
    if (err instanceof QuerySyntaxError) return { ok: false, error: err.message.replace(/^Search query: /, ""), position: err.position };
    throw err;
  }
}

/** The text without a chip's filter (and the space after it). */
export function removeRange(text: string, start: number, end: number): string {
  return (text.slice(0, start) + text.slice(end).replace(/^\s+/, "")).replace(/\s+$/, " ").replace(/^\s+/, "");
}

export interface Typing {
  /** `from`, `in` (a room) or `in-dm` (in:@user). */
  kind: "from" | "in" | "in-dm";
  prefix: string;
  /** Where the filter starts in the text. */
  start: number;
}

/** The filter being typed at the end of the box, if any (`from:al`, `in:gen`, `in:@bo`). */
export function typingFilter(text: string): Typing | null {
  const m = /(^|\s)(from|in):(@?)([^\s"]*)$/i.exec(text);
  if (!m) return null;
  const start = (m.index ?? 0) + (m[1]?.length ?? 0);
  const key = (m[2] ?? "").toLowerCase();
  const at = m[3] === "@";
  return { kind: key === "from" ? "from" : at ? "in-dm" : "in", prefix: m[4] ?? "", start };
}

/** Replaces the filter being typed with the picked value, quoted if it has a space. */
export function completeFilter(text: string, typing: Typing, value: string): string {
  const key = typing.kind === "from" ? "from:" : typing.kind === "in-dm" ? "in:@" : "in:";
  const v = /\s/.test(value) ? `"${value}"` : value;
  return `${text.slice(0, typing.start)}${key}${v} `;
}

export interface Snippet {
  text: string;
  marked: boolean;
}

/** Up to `max` characters around the first match, split into marked and plain parts. */
export function snippet(content: string, highlights: readonly { start: number; end: number }[], max = 180): Snippet[] {
  const first = highlights[0];
  let from = 0;
  if (content.length > max && first) from = Math.max(0, Math.min(first.start - 40, content.length - max));
  const to = Math.min(content.length, from + max);
  const parts: Snippet[] = [];
  if (from > 0) parts.push({ text: "…", marked: false });
  let at = from;
  for (const h of highlights) {
    if (h.end <= from || h.start >= to) continue;
    const s = Math.max(h.start, from);
    const e = Math.min(h.end, to);
    if (s > at) parts.push({ text: content.slice(at, s), marked: false });
    parts.push({ text: content.slice(s, e), marked: true });
    at = e;
  }
  if (at < to) parts.push({ text: content.slice(at, to), marked: false });
  if (to < content.length) parts.push({ text: "…", marked: false });
  return parts;
}
