import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import { useApp } from "../../state/context.ts";
import { Icon } from "../Icon.tsx";
import { Modal } from "../Modal.tsx";
import { AuditTab } from "./AuditTab.tsx";
import { InvitesTab } from "./InvitesTab.tsx";
import { RegistrationTab } from "./RegistrationTab.tsx";
import { UsersTab } from "./UsersTab.tsx";
import "./admin.css";

const TABS = [
  ["users", "Users"],
  ["invites", "Invites"],
  ["registration", "Registration"],
  ["audit", "Audit log"],
] as const;
type Tab = (typeof TABS)[number][0];

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
      <ServerSettings open={open()} onClose={() => setOpen(false)} />
    </Show>
  );
}

/** Users, invites, registration and the audit log, one tab each; every call is checked by the server again. */
export function ServerSettings(props: { open: boolean; onClose: () => void }) {
  const [tab, setTab] = createSignal<Tab>("users");
  return (
    <Modal open={props.open} title="Server settings" onClose={props.onClose} size="wide" testId="server-settings-dialog">
      <div class="admin-tabs" role="tablist" aria-label="Server settings">
        <For each={TABS}>
          {([id, label]) => (
            <button type="button" role="tab" id={`admin-tab-${id}`} aria-selected={tab() === id} aria-controls="admin-panel" onClick={() => setTab(id)}>
              {label}
            </button>
          )}
        </For>
      </div>
      <div id="admin-panel" role="tabpanel" aria-labelledby={`admin-tab-${tab()}`}>
        <Switch>
          <Match when={tab() === "users"}>
            <UsersTab />
          </Match>
          <Match when={tab() === "invites"}>
            <InvitesTab />
          </Match>
          <Match when={tab() === "registration"}>
            <RegistrationTab />
          </Match>
          <Match when={tab() === "audit"}>
            <AuditTab />
          </Match>
        </Switch>
      </div>
    </Modal>
  );
}
