import { Show } from "solid-js";
import { hue, initials } from "../lib/avatar.ts";

export function Avatar(props: { name: string; size?: "small" | "medium"; online?: boolean | undefined }) {
  return (
    <span
      class="avatar"
      classList={{ "avatar-small": props.size === "small" }}
      style={{ "--avatar-hue": String(hue(props.name)) }}
      aria-hidden="true"
    >
      {initials(props.name)}
      <Show when={props.online !== undefined}>
        <span class="presence-dot" classList={{ online: props.online === true }} />
      </Show>
    </span>
  );
}
