import { createResource, createSignal, Show } from "solid-js";
import { lazyNamed } from "../../lib/lazy.ts";
import { useApp } from "../../state/context.ts";
import { Icon } from "../Icon.tsx";

/** The admin screens (and the schemas their forms use) are fetched when first opened. */
const ServerSettings = lazyNamed(() => import("./ServerSettings.tsx").then((m) => m.ServerSettings));

/** The "Server settings" button for server admins (issue 18); nothing for anyone else. */
export function ServerSettingsEntry() {
  const { chat, client } = useApp();
  const [open, setOpen] = createSignal(false);
  // The stored session may predate a role change: ask once, and keep the stored role until the answer comes.
  const [fresh] = createResource(() => client.api.auth.me.query().catch(() => null));
  const role = () => fresh()?.role ?? chat.me.role;
  return (
    <Show when={role() === "admin"}>
      <button type="button" class="sidebar-link" data-testid="server-settings" onClick={() => setOpen(true)}>
        <span class="sidebar-icon">
          <Icon name="settings" size={16} />
        </span>
        {/* Not "… settings": a room's "Settings" button must stay the only one of that name. */}
        Administration
      </button>
      <Show when={open()}>
        <ServerSettings open onClose={() => setOpen(false)} />
      </Show>
    </Show>
  );
}
