import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSearchQuery, QuerySyntaxError, type SearchQuery } from "./search-query.ts";
import { highlightsOf, mentions, textMatches } from "./search-text.ts";

const kinds = (q: SearchQuery) => q.children.map((c) => (c.kind === "not" ? `-${c.child.kind}` : c.kind));

function syntaxError(input: string): QuerySyntaxError {
  try {
    parseSearchQuery(input);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
  throw new Error(`"${input}" parsed`);
}

describe("parseSearchQuery", () => {
  it("makes words, the last one a prefix while typing", () => {
    const q = parseSearchQuery("deploy fail");
    expect(q.children).toEqual([
      { kind: "word", text: "deploy", prefix: false, start: 0, end: 6 },
      { kind: "word", text: "fail", prefix: true, start: 7, end: 11 },
    ]);
    expect(parseSearchQuery("deploy fail ").children[1]).toMatchObject({ prefix: false });
  });

  it("reads phrases, exclusions, substrings and every filter", () => {
    const q = parseSearchQuery('"exact phrase" -nope -"not this" db.json 東京 from:ann in:general in:@bob before:2024-02-29 after:2024-01-01 on:2024-03-01 has:link HAS:File is:thread mentions:me');
    expect(kinds(q)).toEqual(["phrase", "-word", "-phrase", "substring", "substring", "from", "in", "in-dm", "date", "date", "date", "has-link", "has-file", "is-thread", "mentions-me"]);
    expect(q.children[8]).toMatchObject({ from: null, to: Date.UTC(2024, 1, 29) });
    expect(q.children[9]).toMatchObject({ from: Date.UTC(2024, 0, 2), to: null });
    expect(q.children[10]).toMatchObject({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 2) });
    expect(parseSearchQuery('in:"team room"').children[0]).toMatchObject({ kind: "in", room: "team room" });
  });

  it("strips punctuation typed around a word but keeps it inside one", () => {
    expect(parseSearchQuery("hello, (world)").children.map((c) => c.kind === "word" && c.text)).toEqual(["hello", "world"]);
    expect(parseSearchQuery("C++").children[0]).toMatchObject({ kind: "substring", text: "C++" });
    expect(parseSearchQuery("foo-bar").children[0]).toMatchObject({ kind: "substring", text: "foo-bar" });
  });

  it.each([
    ['say "hello', 4, "unterminated quote"],
    ["a - b", 2, "nothing to exclude"],
    ["before:2024-13-01", 7, "not a day"],
    ["on:yesterday", 3, "not a date"],
    ["from:", 5, "needs a value"],
    ["-has:file", 0, "cannot be negated"],
    ["has:pics", 4, "unknown"],
    ["is:done", 3, "unknown"],
    ["mentions:bob", 9, "only mentions:me"],
    ["-from:ann x", 0, "cannot be negated"],
    ["-spam", 0, "only exclusions"],
    ["   ", 0, "nothing to search for"],
    ['""', 0, "empty quotes"],
  ])("rejects %j at %i", (input, position, reason) => {
    const err = syntaxError(input);
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.position).toBe(position);
    expect(err.message).toContain(reason);
    expect(err.message).toContain(`at character ${position + 1}`);
  });

  it("refuses overlong queries and too many terms", () => {
    expect(syntaxError("a".repeat(501)).message).toContain("longer than");
    expect(syntaxError(Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ")).message).toContain("more than");
  });

  it("never throws anything but a positioned syntax error, and nodes stay inside the input (seeded)", () => {
    const alphabet = fc.constantFrom(..."ab -\":@#._東京é  fromin:befoe2024-01".split(""), "from:", "in:", "on:2024-01-01", "has:link", "has:file", "is:thread", '"');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
        const input = parts.join("");
        try {
          const q = parseSearchQuery(input);
          for (const c of q.children) {
            expect(c.start).toBeGreaterThanOrEqual(0);
            expect(c.end).toBeLessThanOrEqual(input.length);
            expect(c.start).toBeLessThan(c.end);
            const text = c.kind === "not" ? c.child.text : "text" in c ? c.text : "x";
            expect(text.length).toBeGreaterThan(0);
          }
        } catch (err) {
          if (!(err instanceof QuerySyntaxError)) throw err;
          expect(err.position).toBeGreaterThanOrEqual(0);
          expect(err.position).toBeLessThanOrEqual(input.length);
        }
      }),
      { seed: 15, numRuns: 2000 },
    );
  });
});

describe("matching and highlights", () => {
  it("folds case and diacritics and maps highlights back to the original", () => {
    const q = parseSearchQuery("cafe ");
    expect(textMatches(q, "Un CAFÉ noir")).toBe(true);
    expect(highlightsOf(q, "Un CAFÉ noir")).toEqual([{ start: 3, end: 7 }]);
    expect(textMatches(parseSearchQuery("caf"), "café")).toBe(true);
    expect(textMatches(parseSearchQuery("caf "), "café")).toBe(false);
  });

  it("finds substrings and phrases, and excludes", () => {
    expect(highlightsOf(parseSearchQuery("db.json"), "open DB.JSON now")).toEqual([{ start: 5, end: 12 }]);
    expect(textMatches(parseSearchQuery("東京"), "明日東京へ")).toBe(true);
    expect(textMatches(parseSearchQuery('"red car"'), "a red  car")).toBe(true);
    expect(textMatches(parseSearchQuery('"red car"'), "a car red")).toBe(false);
    expect(textMatches(parseSearchQuery("car -red"), "a red car")).toBe(false);
  });

  it("counts mentions outside code only", () => {
    expect(mentions("hi @Ann!", "ann")).toBe(true);
    expect(mentions("hi @anna", "ann")).toBe(false);
    expect(mentions("run `@ann`", "ann")).toBe(false);
    expect(mentions("```\n@ann\n```", "ann")).toBe(false);
    expect(mentions("mail x@ann", "ann")).toBe(false);
  });
});
