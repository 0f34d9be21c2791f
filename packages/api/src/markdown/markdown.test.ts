import { describe, expect, it } from "vitest";
import { type Block, extractMentions, parseMarkdown, toPlainText } from "./index.ts";

const inlinesOf = (blocks: Block[]) => {
  const first = blocks[0];
  if (first?.type !== "paragraph") throw new Error(`expected a paragraph, got ${JSON.stringify(first)}`);
  return first.children;
};

describe("chat markdown", () => {
  it("parses emphasis, strike, inline code and line breaks", () => {
    expect(inlinesOf(parseMarkdown("**b** _i_ ~~s~~ `c`\nnext"))).toEqual([
      { type: "strong", children: [{ type: "text", text: "b" }] },
      { type: "text", text: " " },
      { type: "em", children: [{ type: "text", text: "i" }] },
      { type: "text", text: " " },
      { type: "strike", children: [{ type: "text", text: "s" }] },
      { type: "text", text: " " },
      { type: "code", text: "c" },
      { type: "break" },
      { type: "text", text: "next" },
    ]);
  });

  it("keeps fenced code exactly, indentation and tabs included, with its language", () => {
    expect(parseMarkdown("```ts\n  two\n\ttab\n```")).toEqual([{ type: "codeBlock", lang: "ts", text: "  two\n\ttab" }]);
  });

  it("does not turn indented text into a code block, and keeps headings as text", () => {
    const blocks = parseMarkdown("    indented\n# not a heading");
    expect(blocks.map((b) => b.type)).toEqual(["paragraph"]);
    expect(toPlainText(blocks)).toBe("indented\n# not a heading");
  });

  it("parses quotes and lists", () => {
    const blocks = parseMarkdown("> q\n\n- a\n- b\n\n3. x\n4. y");
    expect(blocks.map((b) => b.type)).toEqual(["quote", "list", "list"]);
    const ordered = blocks[2];
    expect(ordered?.type === "list" && ordered.ordered && ordered.start).toBe(3);
    expect(toPlainText(blocks)).toBe("q\na\nb\nx\ny");
  });

  it("never produces HTML: tags are text and unsafe link targets are not links", () => {
    const blocks = parseMarkdown('<img src=x onerror=alert(1)> [x](javascript:alert(1)) [y](data:text/html,hi) <a href="/">a</a>');
    const json = JSON.stringify(blocks);
    expect(json).not.toContain('"link"');
    expect(toPlainText(blocks)).toContain("<img src=x onerror=alert(1)>");
  });

  it("links http(s) and mailto targets, and autolinks URLs but not bare domains", () => {
    const nodes = inlinesOf(parseMarkdown("[docs](https://e.com/a) see https://x.org/p?q=1 or example.com"));
    const links = nodes.filter((n) => n.type === "link");
    expect(links.map((l) => l.type === "link" && l.href)).toEqual(["https://e.com/a", "https://x.org/p?q=1"]);
  });

  it("finds mentions, room references and shortcodes only at word starts", () => {
    const nodes = inlinesOf(parseMarkdown("hi @Ada. and #general :thumbsup: ada@example.com 12:30:45 a#b"));
    expect(nodes.filter((n) => n.type !== "text")).toEqual([
      { type: "mention", name: "Ada", key: "ada" },
      { type: "roomRef", name: "general" },
      { type: "emoji", shortcode: "thumbsup" },
    ]);
  });
});

describe("mentions", () => {
  it("extracts usernames once each, folded, and @room/@here with their aliases", () => {
    expect(extractMentions(parseMarkdown("@ada @ADA @bob @here"))).toEqual({ usernames: ["ada", "bob"], room: false, here: true });
    for (const alias of ["room", "all", "everyone", "channel"]) {
      expect(extractMentions(parseMarkdown(`hey @${alias}`)).room).toBe(true);
    }
  });

  it("ignores mentions inside code spans and code blocks, and finds them in quotes and lists", () => {
    const m = extractMentions(parseMarkdown("`@ada` and\n```\n@bob @room\n```\n> @cy\n- **@dee**"));
    expect(m).toEqual({ usernames: ["cy", "dee"], room: false, here: false });
  });
});
