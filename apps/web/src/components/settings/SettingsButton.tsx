import { createSignal, Show } from "solid-js";
import { lazyNamed } from "../../lib/lazy.ts";

/** The dialog (and the schemas it validates with) is fetched when first opened. */
const SettingsDialog = lazyNamed(() => import("./SettingsDialog.tsx").then((m) => m.SettingsDialog));

/** The footer's way in to the account settings. */
export function SettingsButton() {
  const [open, setOpen] = createSignal(false);
  return (
    <>
      {/* "Account", not "Settings": a room has its own Settings button. */}
      <button type="button" class="button button-ghost button-small" data-testid="open-settings" title="Profile, password, sessions, theme" onClick={() => setOpen(true)}>
        Account
      </button>
      <Show when={open()}>
        <SettingsDialog open onClose={() => setOpen(false)} />
      </Show>
    </>
  );
}
