import { createMemo, createSignal, For, Show } from "solid-js";
import { dmName, dmOthers } from "../../lib/dm-name.ts";
import { useApp } from "../../state/context.ts";
import { Avatar } from "../Avatar.tsx";
import { Icon } from "../Icon.tsx";
import { lazyNamed } from "../../lib/lazy.ts";

const NewDmDialog = lazyNamed(() => import("./NewDmDialog.tsx").then((m) => m.NewDmDialog));

/** The sidebar's "Direct messages": each DM named by its other members, with their presence, and "New message". */
export function DmSection(props: { activeId: number | null; go: (roomId: number) => void }) {
  const { chat } = useApp();
  const [picking, setPicking] = createSignal(false);
  const dms = createMemo(() =>
    chat.state.rooms
      .filter((r) => r.kind === "dm" && r.isMember)
      .map((r) => ({ room: r, name: dmName(r.members, chat.me.id, chat.me.username), others: dmOthers(r.members, chat.me.id) }))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" })),
  );
  return (
    <>
      <div class="sidebar-heading-row">
        <h2 class="sidebar-heading" id="dm-heading">
          Direct messages
        </h2>
        <button type="button" class="icon-button sidebar-heading-action" aria-label="New message" title="New message" onClick={() => setPicking(true)}>
          <Icon name="pencil" size={15} />
        </button>
      </div>
      <ul class="room-list" aria-labelledby="dm-heading" data-testid="dm-list">
        <For each={dms()} fallback={<li class="room-list-empty">No direct messages yet.</li>}>
          {(dm) => {
            const unread = () => chat.state.unread[dm.room.id] ?? 0;
            const online = () => dm.others.some((id) => chat.state.online[id]);
            return (
              <li>
                <a
                  href={`#/room/${dm.room.id}`}
                  class="room-link dm-link"
                  classList={{ active: props.activeId === dm.room.id, unread: unread() > 0 }}
                  aria-current={props.activeId === dm.room.id ? "page" : undefined}
                  data-room-id={dm.room.id}
                  data-online={online() ? "true" : "false"}
                  onClick={(e) => {
                    e.preventDefault();
                    props.go(dm.room.id);
                  }}
                >
                  <Avatar name={dm.others.length > 1 ? `${dm.others.length}` : dm.name} size="small" online={online()} />
                  <span class="room-name" dir="auto">
                    {dm.name}
                  </span>
                  <span class="sr-only">{online() ? "(online)" : "(offline)"}</span>
                  <Show when={unread() > 0}>
                    <span class="badge" data-testid="unread-badge">
                      {unread() > 99 ? "99+" : unread()}
                      <span class="sr-only"> unread</span>
                    </span>
                  </Show>
                </a>
              </li>
            );
          }}
        </For>
      </ul>
      <Show when={picking()}>
        <NewDmDialog
          open
          onClose={() => setPicking(false)}
          onOpened={(id) => {
            setPicking(false);
            props.go(id);
          }}
        />
      </Show>
    </>
  );
}
