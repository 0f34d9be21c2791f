import { lazy, Show, Suspense } from "solid-js";
import { hue, initials } from "../lib/avatar.ts";

// Issue 16: the image is its own chunk, loaded by the first avatar that has one.
const AvatarImage = lazy(() => import("./avatars/AvatarImage.tsx"));

export function Avatar(props: { name: string; size?: "small" | "medium"; online?: boolean | undefined; url?: string | null | undefined }) {
  return (
    <span
      class="avatar"
      classList={{ "avatar-small": props.size === "small" }}
      style={{ "--avatar-hue": String(hue(props.name)) }}
      aria-hidden="true"
    >
      {initials(props.name)}
      <Show when={props.url}>
        {(url) => (
          <Suspense>
            <AvatarImage path={url()} />
          </Suspense>
        )}
      </Show>
      <Show when={props.online !== undefined}>
        <span class="presence-dot" classList={{ online: props.online === true }} />
      </Show>
    </span>
  );
}
