import type { MarkdownIt, Token } from "markdown-it";
import markdownit from "markdown-it";
import { chatInlineRules } from "./inline-rules.ts";
import type { Block, Inline } from "./tree.ts";

/**
 * Chat markdown: bold, italic, strike, inline code, fenced code, quotes,
 * lists, links and autolinks, line breaks as typed. Raw HTML is off, so
 * `<script>` is text; headings, tables, images (remote fetches), indented
 * code (people indent casually) and link reference definitions are off.
 */
function createParser(): MarkdownIt {
  const md = markdownit("zero", { html: false, linkify: true, breaks: true });
  md.enable(["blockquote", "fence", "list"]);
  md.enable(["backticks", "emphasis", "strikethrough", "link", "autolink", "escape", "newline", "entity", "linkify"]);
  // Only e-mail and scheme links are autolinked: bare "example.com" in chat is usually a name, not a link.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
  chatInlineRules(md);
  return md;
}

let parser: MarkdownIt | undefined;

/** Only these link targets become links; anything else (`javascript:`, `data:`, relative) stays text. */
const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

export function parseMarkdown(content: string): Block[] {
  parser ??= createParser();
  const tokens = parser.parse(content, {});
  return new Reader(tokens).blocks(null);
}

/** Walks markdown-it's flat token stream (nesting +1/−1) into a tree. */
class Reader {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  blocks(closeType: string | null): Block[] {
    const out: Block[] = [];
    for (let t = this.next(); t !== undefined; t = this.next()) {
      if (t.type === closeType) return out;
      switch (t.type) {
        case "paragraph_open":
          out.push({ type: "paragraph", children: this.paragraph() });
          break;
        case "blockquote_open":
          out.push({ type: "quote", children: this.blocks("blockquote_close") });
          break;
        case "bullet_list_open":
        case "ordered_list_open": {
          const ordered = t.type === "ordered_list_open";
          const start = Number(t.attrGet("start") ?? 1);
          out.push({ type: "list", ordered, start: Number.isFinite(start) ? start : 1, items: this.items(t.type.replace("_open", "_close")) });
          break;
        }
        case "fence":
          out.push({ type: "codeBlock", lang: t.info.trim().split(/\s+/)[0] ?? "", text: t.content.replace(/\n$/, "") });
          break;
        default:
          // Anything else (a disabled construct can't appear) is skipped without losing its text.
          if (t.content !== "") out.push({ type: "paragraph", children: [{ type: "text", text: t.content }] });
      }
    }
    return out;
  }

  private items(closeType: string): Block[][] {
    const items: Block[][] = [];
    for (let t = this.next(); t !== undefined && t.type !== closeType; t = this.next()) {
      if (t.type === "list_item_open") items.push(this.blocks("list_item_close"));
    }
    return items;
  }

  private paragraph(): Inline[] {
    const children: Inline[] = [];
    for (let t = this.next(); t !== undefined && t.type !== "paragraph_close"; t = this.next()) {
      if (t.type === "inline") children.push(...inlines(t.children ?? []));
    }
    return children;
  }

  private next(): Token | undefined {
    return this.tokens[this.i++];
  }
}

const WRAPPERS: Readonly<Record<string, "strong" | "em" | "strike">> = {
  strong_open: "strong",
  em_open: "em",
  s_open: "strike",
};

function inlines(tokens: Token[]): Inline[] {
  const root: Inline[] = [];
  // Open wrappers; a wrapper's children array is where text goes until its close.
  const stack: Inline[][] = [root];
  const top = (): Inline[] => stack[stack.length - 1] ?? root;
  const pushText = (text: string) => {
    const into = top();
    const last = into[into.length - 1];
    if (last?.type === "text") last.text += text;
    else if (text !== "") into.push({ type: "text", text });
  };
  for (const t of tokens) {
    const wrapper = WRAPPERS[t.type];
    if (wrapper !== undefined) {
      const node = { type: wrapper, children: [] as Inline[] };
      top().push(node);
      stack.push(node.children);
      continue;
    }
    switch (t.type) {
      case "strong_close":
      case "em_close":
      case "s_close":
      case "link_close":
        if (stack.length > 1) stack.pop();
        break;
      case "link_open": {
        const href = String(t.attrGet("href") ?? "");
        if (SAFE_HREF.test(href)) {
          const children: Inline[] = [];
          top().push({ type: "link", href, children });
          stack.push(children);
        } else {
          // An unsafe target keeps its text, unlinked; its close then pops nothing of ours.
          stack.push(top());
        }
        break;
      }
      case "text":
        pushText(t.content);
        break;
      case "code_inline":
        top().push({ type: "code", text: t.content });
        break;
      case "softbreak":
      case "hardbreak":
        top().push({ type: "break" });
        break;
      case "mention":
        top().push({ type: "mention", name: String(t.meta?.name), key: String(t.meta?.key) });
        break;
      case "special_mention":
        top().push({ type: "special", name: String(t.meta?.name), kind: t.meta?.kind === "here" ? "here" : "room" });
        break;
      case "room_ref":
        top().push({ type: "roomRef", name: String(t.meta?.name) });
        break;
      case "emoji":
        top().push({ type: "emoji", shortcode: String(t.meta?.shortcode) });
        break;
      default:
        pushText(t.content);
    }
  }
  return root;
}
