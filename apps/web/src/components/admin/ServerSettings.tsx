import { createSignal, For, Match, Switch } from "solid-js";
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
