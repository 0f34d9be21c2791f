import { describe, expect, test } from "vitest";
import { applySuggestion, rank, tokenAt } from "./autocomplete.ts";

describe("composer autocomplete", () => {
  test("finds the token being typed at the caret, only at a word start", () => {
    expect(tokenAt("hi @ad", 6)).toEqual({ trigger: "@", query: "ad", start: 3 });
    expect(tokenAt("#gen", 4)).toEqual({ trigger: "#", query: "gen", start: 0 });
    expect(tokenAt("nice :th", 8)).toEqual({ trigger: ":", query: "th", start: 5 });
    expect(tokenAt("at 12:30", 8)).toBeNull();
    expect(tokenAt("mail ada@example", 16)).toBeNull();
    expect(tokenAt("smile :", 7)).toBeNull();
    expect(tokenAt("hi @ada and", 11)).toBeNull();
  });
  test("offers commands only for a leading /word, and only where commands run", () => {
    expect(tokenAt("/sh", 3, true)).toEqual({ trigger: "/", query: "sh", start: 0 });
    expect(tokenAt("/", 1, true)).toEqual({ trigger: "/", query: "", start: 0 });
    expect(tokenAt("/sh", 3)).toBeNull();
    expect(tokenAt("a /sh", 5, true)).toBeNull();
    expect(tokenAt("/shrug now", 10, true)).toBeNull();
    expect(tokenAt(" /sh", 4, true)).toBeNull();
    // Past the command, the others work as anywhere.
    expect(tokenAt("/invite @ad", 11, true)).toEqual({ trigger: "@", query: "ad", start: 8 });
  });
  test("ranks prefix matches before inner ones", () => {
    expect(rank(["blade", "ada", "adam", "zed"], "ad", (s) => s)).toEqual(["ada", "adam", "blade"]);
  });
  test("replaces the token and puts the caret after a space", () => {
    const t = tokenAt("hey @ad!", 7);
    expect(t).not.toBeNull();
    if (t) expect(applySuggestion("hey @ad!", 7, t, { label: "ada", insert: "@ada" })).toEqual({ text: "hey @ada !", caret: 9 });
  });
});
