import { Show } from "solid-js";
import { shortcodes } from "../../lib/richtext/emoji.ts";
import { useOptionalApp } from "./app.ts";

/** `@name` (or `@here`/`@room`): a chip, marked when it is me. */
export function MentionChip(props: { name: string; special?: boolean }) {
  const app = useOptionalApp();
  const me = () => !props.special && app?.chat.me.username.toLowerCase() === props.name.toLowerCase();
  return (
    <span class="chip chip-mention" classList={{ "chip-me": me(), "chip-special": !!props.special }} dir="auto">
      @{props.name}
    </span>
  );
}

/** `#name`: a link to the room when this app knows a room of that name, else a plain chip. */
export function RoomChip(props: { name: string }) {
  const app = useOptionalApp();
  const room = () => {
    const key = props.name.toLowerCase();
    return app?.chat.state.rooms.find((r) => r.kind !== "dm" && r.name.toLowerCase() === key);
  };
  return (
    <Show when={room()} fallback={<span class="chip chip-room" dir="auto">#{props.name}</span>}>
      {(r) => (
        <a class="chip chip-room" href={`#/room/${r().id}`} dir="auto">
          #{props.name}
        </a>
      )}
    </Show>
  );
}

/** `:shortcode:` as its emoji once the map is here; the text when it is not (yet, or ever) known. */
export function EmojiShortcode(props: { shortcode: string }) {
  const emoji = () => shortcodes()?.get(props.shortcode);
  return (
    <Show when={emoji()} fallback={<>:{props.shortcode}:</>}>
      {(e) => (
        <span class="md-emoji" role="img" aria-label={props.shortcode.replaceAll("_", " ")} title={`:${props.shortcode}:`}>
          {e()}
        </span>
      )}
    </Show>
  );
}

