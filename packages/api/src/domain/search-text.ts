import type { QueryNode, SearchQuery, TextNode } from "./search-query.ts";
import { fold, wordsOf } from "./search-query.ts";

/** A highlighted range of a message's content: UTF-16 offsets, `end` exclusive. */
export interface Highlight {
  start: number;
  end: number;
}

/** A text folded code point by code point, remembering where each folded unit came from. */
interface Folded {
  text: string;
  /** origin[k]: the offset in the original of the code point that produced unit k; origin[text.length] = original length. */
  origin: number[];
}

function foldWithMap(s: string): Folded {
  let text = "";
  const origin: number[] = [];
  let at = 0;
  for (const cp of s) {
    const f = fold(cp);
    for (let k = 0; k < f.length; k++) origin.push(at);
    text += f;
    at += cp.length;
  }
  origin.push(s.length);
  return { text, origin };
}

interface Token {
  word: string;
  start: number;
  end: number;
}

function tokens(f: Folded): Token[] {
  const out: Token[] = [];
  for (const m of f.text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const s = m.index;
    const e = s + m[0].length;
    out.push({ word: m[0], start: f.origin[s] ?? 0, end: f.origin[e] ?? f.origin.length });
  }
  return out;
}

/** Where a text node occurs in a content (none: it does not match). */
function occurrences(node: TextNode, f: Folded, toks: Token[]): Highlight[] {
  switch (node.kind) {
    case "word": {
      const w = fold(node.text);
      return toks.filter((t) => (node.prefix ? t.word.startsWith(w) : t.word === w)).map(({ start, end }) => ({ start, end }));
    }
    case "phrase": {
      const ws = wordsOf(node.text);
      const out: Highlight[] = [];
      for (let i = 0; i + ws.length <= toks.length; i++) {
        if (ws.every((w, k) => toks[i + k]?.word === w)) {
          const first = toks[i];
          const last = toks[i + ws.length - 1];
          if (first && last) out.push({ start: first.start, end: last.end });
        }
      }
      return out;
    }
    case "substring": {
      const needle = fold(node.text);
      const out: Highlight[] = [];
      if (needle === "") return out;
      let from = f.text.indexOf(needle);
      while (from >= 0) {
        out.push({ start: f.origin[from] ?? 0, end: f.origin[from + needle.length] ?? f.origin.length });
        from = f.text.indexOf(needle, from + needle.length);
      }
      return out;
    }
  }
}

/** The ranges of `content` that the query's positive words, phrases and substrings found, sorted and merged. */
export function highlightsOf(query: SearchQuery, content: string): Highlight[] {
  const f = foldWithMap(content);
  const toks = tokens(f);
  const all: Highlight[] = [];
  for (const node of query.children) if (isText(node)) all.push(...occurrences(node, f, toks));
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Highlight[] = [];
  for (const h of all) {
    const prev = merged[merged.length - 1];
    if (prev && h.start <= prev.end) prev.end = Math.max(prev.end, h.end);
    else merged.push({ ...h });
  }
  return merged;
}

/** Whether a content satisfies the query's text nodes: the reference the engines are tested against. */
export function textMatches(query: SearchQuery, content: string): boolean {
  const f = foldWithMap(content);
  const toks = tokens(f);
  return query.children.every((node) => {
    if (isText(node)) return occurrences(node, f, toks).length > 0;
    if (node.kind === "not") return occurrences(node.child, f, toks).length === 0;
    return true;
  });
}

const isText = (n: QueryNode): n is TextNode => n.kind === "word" || n.kind === "phrase" || n.kind === "substring";

/** A link as `has:link` counts it. */
export const LINK = /\bhttps?:\/\/\S/i;

/**
 * Whether `content` mentions `@username` outside code (`inline` and ``` fenced ```),
 * with no username character right after it.
 */
export function mentions(content: string, username: string): boolean {
  const prose = content.replace(/```[\s\S]*?(```|$)/g, " ").replace(/`[^`\n]*`/g, " ");
  const want = `@${username.toLowerCase()}`;
  const lower = prose.toLowerCase();
  let at = lower.indexOf(want);
  while (at >= 0) {
    const before = at === 0 ? " " : (lower[at - 1] ?? " ");
    const after = lower[at + want.length] ?? " ";
    if (!/[A-Za-z0-9_.-]/.test(before) && !/[A-Za-z0-9_-]/.test(after)) return true;
    at = lower.indexOf(want, at + 1);
  }
  return false;
}
