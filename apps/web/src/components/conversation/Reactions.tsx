import { createUniqueId, For, Show } from "solid-js";
import { reactorsText } from "../../state/message-ops.ts";
import type { RoomUi } from "../../state/room-ui.ts";
import type { Message } from "../../state/types.ts";

/**
 * A message's reaction chips: emoji and count, pressed when one is ours.
 * Hovering or focusing a chip shows who reacted; clicking toggles ours.
 */
export function Reactions(props: { message: Message; ui: RoomUi }) {
  return (
    <Show when={props.message.reactions.length > 0}>
      <ul class="reactions" aria-label="Reactions">
        <For each={props.message.reactions}>
          {(r) => {
            const tipId = createUniqueId();
            const who = () => reactorsText(r.userIds, r.count, props.ui.nameOf, props.ui.meId);
            return (
              <li class="reaction">
                <button
                  type="button"
                  class="reaction-chip"
                  classList={{ mine: r.me }}
                  aria-pressed={r.me}
                  aria-label={`${r.emoji} ${r.count}`}
                  aria-describedby={tipId}
                  data-emoji={r.emoji}
                  onClick={() => (r.me ? props.ui.unreact : props.ui.react)(props.message.id, r.emoji)}
                >
                  <span class="reaction-emoji" aria-hidden="true">
                    {r.emoji}
                  </span>
                  <span class="reaction-count" aria-hidden="true">
                    {r.count}
                  </span>
                </button>
                <span class="reaction-tip" role="tooltip" id={tipId}>
                  {who()} reacted with {r.emoji}
                </span>
              </li>
            );
          }}
        </For>
      </ul>
    </Show>
  );
}
