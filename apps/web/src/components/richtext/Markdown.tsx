import type { Block, Inline } from "@parley/api/markdown";
import { createMemo, For, Match, Show, Switch } from "solid-js";
import { markdown } from "../../lib/richtext/markdown.ts";
import { parseMessageLink } from "../../state/search.ts";
import { MessageText } from "../MessageText.tsx";
import { MessageLinkCard } from "../search/MessageLinkCard.tsx";
import "./richtext.css";
import { CodeBlock } from "./CodeBlock.tsx";
import { EmojiShortcode, MentionChip, RoomChip } from "./chips.tsx";

/** Only these become links (the parser already drops others; checked again where the element is made). */
const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

/**
 * A message's text as Solid elements from `@parley/api/markdown`'s tree:
 * never innerHTML, so whatever a message holds is text or one of the
 * elements below. Until the parser's chunk arrives the text shows plain
 * (with its links), the same words in the same place.
 */
export function Markdown(props: { content: string }) {
  const blocks = createMemo(() => markdown()?.parseMarkdown(props.content));
  return (
    <Show when={blocks()} fallback={<p class="md-p">{<MessageText content={props.content} />}</p>}>
      {(bs) => <Blocks blocks={bs()} />}
    </Show>
  );
}

function Blocks(props: { blocks: readonly Block[] }) {
  return <For each={props.blocks}>{(b) => <BlockView block={b} />}</For>;
}

function BlockView(props: { block: Block }) {
  const b = props.block;
  switch (b.type) {
    case "paragraph":
      return (
        <p class="md-p">
          <Inlines nodes={b.children} />
        </p>
      );
    case "quote":
      return (
        <blockquote class="md-quote">
          <Blocks blocks={b.children} />
        </blockquote>
      );
    case "list":
      return (
        <Show
          when={b.ordered}
          fallback={
            <ul class="md-list">
              <For each={b.items}>{(item) => <li><Blocks blocks={item} /></li>}</For>
            </ul>
          }
        >
          <ol class="md-list" start={b.start}>
            <For each={b.items}>{(item) => <li><Blocks blocks={item} /></li>}</For>
          </ol>
        </Show>
      );
    case "codeBlock":
      return <CodeBlock lang={b.lang} text={b.text} />;
  }
}

function Inlines(props: { nodes: readonly Inline[] }) {
  return <For each={props.nodes}>{(n) => <InlineView node={n} />}</For>;
}

function InlineView(props: { node: Inline }) {
  const n = props.node;
  switch (n.type) {
    case "text":
      return <>{n.text}</>;
    case "strong":
      return (
        <strong>
          <Inlines nodes={n.children} />
        </strong>
      );
    case "em":
      return (
        <em>
          <Inlines nodes={n.children} />
        </em>
      );
    case "strike":
      return (
        <s>
          <Inlines nodes={n.children} />
        </s>
      );
    case "code":
      return <code class="md-code">{n.text}</code>;
    case "break":
      return <br />;
    case "link":
      return (
        <Switch fallback={<Inlines nodes={n.children} />}>
          {/* A pasted link to a message: a quote card for whoever may read it, a plain link otherwise (issue 15). */}
          <Match when={SAFE_HREF.test(n.href) && parseMessageLink(n.href)} keyed>
            {(target) => <MessageLinkCard href={n.href} text={n.href} roomId={target.roomId} messageId={target.messageId} />}
          </Match>
          <Match when={SAFE_HREF.test(n.href)}>
            <a href={n.href} target="_blank" rel="noopener noreferrer nofollow" dir="ltr">
              <Inlines nodes={n.children} />
            </a>
          </Match>
        </Switch>
      );
    case "mention":
      return <MentionChip name={n.name} />;
    case "special":
      return <MentionChip name={n.name} special />;
    case "roomRef":
      return <RoomChip name={n.name} />;
    case "emoji":
      return <EmojiShortcode shortcode={n.shortcode} />;
  }
}
