import { Show } from "solid-js";
import { now } from "../lib/now.ts";
import { useApp } from "../state/context.ts";

export function typingText(names: readonly string[]): string {
  const [a, b, c] = names;
  if (!a) return "";
  if (!b) return `${a} is typing…`;
  if (!c) return `${a} and ${b} are typing…`;
  if (names.length === 3) return `${a}, ${b} and ${c} are typing…`;
  return `${a}, ${b} and ${names.length - 2} others are typing…`;
}

export function TypingIndicator(props: { roomId: number }) {
  const { chat } = useApp();
  const names = () =>
    (chat.state.typing[props.roomId] ?? []).filter((t) => t.until > now() && t.userId !== chat.me.id).map((t) => t.username);
  return (
    <div class="typing" data-testid="typing-indicator">
      <Show when={names().length > 0}>
        <span class="typing-dots" aria-hidden="true">
          <i />
          <i />
          <i />
        </span>
        <span dir="auto">{typingText(names())}</span>
      </Show>
    </div>
  );
}
