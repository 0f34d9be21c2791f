import type { ElementContent, Root } from "hast";
import { createMemo, For, type JSX, Show } from "solid-js";
import { highlighter } from "../../lib/richtext/highlight.ts";

/**
 * A fenced code block, whitespace exactly as written. With a language the
 * highlighter knows, its tokens become spans built here from lowlight's
 * tree (class names only, text as text): the highlighter never writes HTML.
 */
export function CodeBlock(props: { lang: string; text: string }) {
  const tree = createMemo(() => (props.lang ? highlighter()?.highlight(props.lang, props.text) : null));
  return (
    <pre class="md-pre" data-lang={props.lang || undefined}>
      <code class="md-codeblock" dir="ltr">
        <Show when={tree()} fallback={props.text}>
          {(t) => <Hast nodes={(t() as Root).children} />}
        </Show>
      </code>
    </pre>
  );
}

function Hast(props: { nodes: readonly (Root["children"][number] | ElementContent)[] }): JSX.Element {
  return (
    <For each={props.nodes}>
      {(n) => {
        if (n.type === "text") return <>{n.value}</>;
        if (n.type !== "element") return null;
        const cls = n.properties.className;
        const className = Array.isArray(cls) ? cls.filter((c) => typeof c === "string" && /^hljs-[\w-]+$/.test(c)).join(" ") : "";
        return (
          <span class={className}>
            <Hast nodes={n.children} />
          </span>
        );
      }}
    </For>
  );
}
