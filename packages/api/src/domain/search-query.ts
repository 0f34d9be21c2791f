import { DomainError } from "../errors.ts";

/**
 * The search query language, parsed into a tree on the server so user input
 * never reaches FTS5's MATCH or a tsquery raw: the engines get only the
 * nodes below, each quoted by the query builder (queries/search.ts).
 *
 *   words          all must match; the last one matches as a prefix while typing
 *   "exact phrase" consecutive words
 *   -term          excludes (a word, a phrase or a substring)
 *   db.json, 東京   text with punctuation inside, or CJK: matched as a substring
 *   from:user  in:room  in:@user  before:/after:/on:YYYY-MM-DD  has:link  has:file  is:thread  mentions:me
 */

export type TextNode =
  /** One word, matched against the message's words (case and diacritics folded). */
  | { kind: "word"; text: string; prefix: boolean; start: number; end: number }
  /** Consecutive words. */
  | { kind: "phrase"; text: string; start: number; end: number }
  /** A case- and diacritic-insensitive substring (punctuation inside, or CJK). */
  | { kind: "substring"; text: string; start: number; end: number };

export type FilterNode =
  | { kind: "from"; username: string; start: number; end: number }
  | { kind: "in"; room: string; start: number; end: number }
  | { kind: "in-dm"; username: string; start: number; end: number }
  /** `before:` is before that UTC day, `after:` after it, `on:` during it: [from, to) in epoch ms. */
  | { kind: "date"; from: number | null; to: number | null; start: number; end: number }
  | { kind: "has-link"; start: number; end: number }
  /** With at least one attachment (issue 16). */
  | { kind: "has-file"; start: number; end: number }
  | { kind: "is-thread"; start: number; end: number }
  | { kind: "mentions-me"; start: number; end: number };

export type QueryNode = TextNode | { kind: "not"; child: TextNode; start: number; end: number } | FilterNode;

/** The root: every child must hold. */
export interface SearchQuery {
  kind: "and";
  children: QueryNode[];
}

export const SEARCH_QUERY_MAX_CHARS = 500;
export const SEARCH_QUERY_MAX_TERMS = 24;

/** A malformed query: `BAD_REQUEST` with where it is wrong (0-based UTF-16 offset, shown 1-based). */
export class QuerySyntaxError extends DomainError {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super("BAD_REQUEST", `Search query: ${reason} (at character ${position + 1})`);
    this.name = "QuerySyntaxError";
  }
}

const DAY_MS = 86_400_000;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD = /^[\p{L}\p{N}\p{M}]+$/u;
/** Punctuation a person types around a word ("hello," "(this)") that is not part of it. */
const EDGE_PUNCTUATION = /^[,;:!?.()[\]{}'`<>]+|[,;:!?.()[\]{}'`<>]+$/gu;
const FILTER = /^(from|in|before|after|on|has|is|mentions):/i;

/** Case and diacritics folded, as both engines index them (unicode61 remove_diacritics, unaccent + lower). */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The words of a text as the word index sees them. */
export function wordsOf(s: string): string[] {
  return fold(s)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "");
}

export const isCjk = (s: string): boolean => CJK.test(s);

export function parseSearchQuery(input: string): SearchQuery {
  if (input.length > SEARCH_QUERY_MAX_CHARS) throw new QuerySyntaxError(SEARCH_QUERY_MAX_CHARS, `longer than ${SEARCH_QUERY_MAX_CHARS} characters`);
  const children: QueryNode[] = [];
  let i = 0;
  const n = input.length;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/u.test(c);
  while (i < n) {
    if (isSpace(input[i])) {
      i++;
      continue;
    }
    const start = i;
    let negate = false;
    if (input[i] === "-") {
      negate = true;
      i++;
      if (i >= n || isSpace(input[i])) throw new QuerySyntaxError(start, "nothing to exclude after -");
    }
    if (input[i] === '"') {
      const close = input.indexOf('"', i + 1);
      if (close < 0) throw new QuerySyntaxError(i, "unterminated quote");
      const body = input.slice(i + 1, close);
      i = close + 1;
      const node = phraseNode(body, start, i);
      children.push(negate ? { kind: "not", child: node, start, end: i } : node);
    } else {
      const rest = input.slice(i);
      const filter = FILTER.exec(rest);
      if (filter?.[1]) {
        const key = filter[1].toLowerCase();
        const valueStart = i + filter[0].length;
        const { value, end } = readValue(input, valueStart);
        i = end;
        if (negate) throw new QuerySyntaxError(start, `${key}: cannot be negated`);
        children.push(filterNode(key, value, start, valueStart, end));
      } else {
        let end = i;
        while (end < n && !isSpace(input[end])) end++;
        const node = bareNode(input.slice(i, end), start, end);
        i = end;
        children.push(negate ? { kind: "not", child: node, start, end } : node);
      }
    }
    if (children.length > SEARCH_QUERY_MAX_TERMS) throw new QuerySyntaxError(start, `more than ${SEARCH_QUERY_MAX_TERMS} terms`);
  }
  if (!children.some((c) => c.kind !== "not")) throw new QuerySyntaxError(0, children.length === 0 ? "nothing to search for" : "only exclusions: add a word or a filter");
  // Prefix matching on the last word while typing (not once a space follows it).
  const last = children[children.length - 1];
  if (last?.kind === "word" && !isSpace(input[n - 1]) && input[n - 1] !== '"') children[children.length - 1] = { ...last, prefix: true };
  return { kind: "and", children };
}

/** A filter's value: a quoted string or a run of non-space characters. */
function readValue(input: string, at: number): { value: string; end: number } {
  if (input[at] === '"') {
    const close = input.indexOf('"', at + 1);
    if (close < 0) throw new QuerySyntaxError(at, "unterminated quote");
    return { value: input.slice(at + 1, close), end: close + 1 };
  }
  let end = at;
  while (end < input.length && !/\s/u.test(input[end] ?? "")) end++;
  return { value: input.slice(at, end), end };
}

function bareNode(raw: string, start: number, end: number): TextNode {
  const trimmed = raw.replace(EDGE_PUNCTUATION, "");
  const text = trimmed === "" ? raw : trimmed;
  if (!isCjk(text) && WORD.test(text)) return { kind: "word", text, prefix: false, start, end };
  return { kind: "substring", text, start, end };
}

function phraseNode(body: string, start: number, end: number): TextNode {
  const text = body.trim();
  if (text === "") throw new QuerySyntaxError(start, "empty quotes");
  // CJK has no spaces between words, and a phrase of punctuation has no words: both are substrings.
  if (isCjk(text) || wordsOf(text).length === 0) return { kind: "substring", text, start, end };
  const words = wordsOf(text);
  if (words.length === 1 && WORD.test(text)) return { kind: "word", text, prefix: false, start, end };
  return { kind: "phrase", text, start, end };
}

function filterNode(key: string, value: string, start: number, valueStart: number, end: number): FilterNode {
  if (value === "") throw new QuerySyntaxError(valueStart, `${key}: needs a value`);
  const lower = value.toLowerCase();
  switch (key) {
    case "from":
      return { kind: "from", username: value.replace(/^@/, ""), start, end };
    case "in":
      if (value.startsWith("@")) {
        if (value.length === 1) throw new QuerySyntaxError(valueStart + 1, "in:@ needs a username");
        return { kind: "in-dm", username: value.slice(1), start, end };
      }
      return { kind: "in", room: value.replace(/^#/, ""), start, end };
    case "before":
    case "after":
    case "on": {
      const day = parseDay(value, valueStart);
      if (key === "before") return { kind: "date", from: null, to: day, start, end };
      if (key === "after") return { kind: "date", from: day + DAY_MS, to: null, start, end };
      return { kind: "date", from: day, to: day + DAY_MS, start, end };
    }
    case "has":
      if (lower === "link") return { kind: "has-link", start, end };
      if (lower === "file") return { kind: "has-file", start, end };
      throw new QuerySyntaxError(valueStart, `has:${value} is unknown (try has:link or has:file)`);
    case "is":
      if (lower === "thread") return { kind: "is-thread", start, end };
      throw new QuerySyntaxError(valueStart, `is:${value} is unknown (try is:thread)`);
    default:
      if (lower === "me") return { kind: "mentions-me", start, end };
      throw new QuerySyntaxError(valueStart, "only mentions:me is supported");
  }
}

/** YYYY-MM-DD as the start of that day in UTC; a day that does not exist is an error. */
function parseDay(value: string, at: number): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new QuerySyntaxError(at, `"${value}" is not a date (YYYY-MM-DD)`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) throw new QuerySyntaxError(at, `${value} is not a day of the calendar`);
  return t;
}
