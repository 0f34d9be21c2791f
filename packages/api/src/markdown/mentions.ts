import type { Block, Inline } from "./tree.ts";

export interface ExtractedMentions {
  /** Folded usernames (lower case), each once, in order of first mention. */
  usernames: string[];
  room: boolean;
  here: boolean;
}

/** Who a message mentions. Code spans and blocks hold raw text, so nothing in code counts. */
export function extractMentions(blocks: readonly Block[]): ExtractedMentions {
  const found: ExtractedMentions = { usernames: [], room: false, here: false };
  const seen = new Set<string>();
  const visitInline = (nodes: readonly Inline[]) => {
    for (const n of nodes) {
      if (n.type === "mention" && !seen.has(n.key)) {
        seen.add(n.key);
        found.usernames.push(n.key);
      } else if (n.type === "special") {
        if (n.kind === "room") found.room = true;
        else found.here = true;
      } else if ("children" in n) visitInline(n.children);
    }
  };
  visitBlocks(blocks, visitInline);
  return found;
}

/** The text a reader sees, markup removed: for notifications, snippets and previews. */
export function toPlainText(blocks: readonly Block[]): string {
  const lines: string[] = [];
  const inlineText = (nodes: readonly Inline[]): string =>
    nodes
      .map((n) => {
        switch (n.type) {
          case "text":
          case "code":
            return n.text;
          case "break":
            return "\n";
          case "mention":
          case "special":
            return `@${n.name}`;
          case "roomRef":
            return `#${n.name}`;
          case "emoji":
            return `:${n.shortcode}:`;
          default:
            return inlineText(n.children);
        }
      })
      .join("");
  const walk = (bs: readonly Block[]) => {
    for (const b of bs) {
      if (b.type === "paragraph") lines.push(inlineText(b.children));
      else if (b.type === "codeBlock") lines.push(b.text);
      else if (b.type === "quote") walk(b.children);
      else for (const item of b.items) walk(item);
    }
  };
  walk(blocks);
  return lines.join("\n");
}

function visitBlocks(blocks: readonly Block[], visit: (nodes: readonly Inline[]) => void): void {
  for (const b of blocks) {
    if (b.type === "paragraph") visit(b.children);
    else if (b.type === "quote") visitBlocks(b.children, visit);
    else if (b.type === "list") for (const item of b.items) visitBlocks(item, visit);
  }
}
