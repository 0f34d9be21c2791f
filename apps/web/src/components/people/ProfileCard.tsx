import { createSignal, type JSX, Show } from "solid-js";
import { lazyNamed } from "../../lib/lazy.ts";
import "./people.css";

/** The card itself is fetched on the first click (`ProfileCardDialog.tsx`). */
const ProfileCard = lazyNamed(() => import("./ProfileCardDialog.tsx").then((m) => m.ProfileCard));

/** Makes a name open that person's card; a deleted user (no id) stays plain text. */
export function ProfileTrigger(props: { userId: number | null | undefined; children: JSX.Element }) {
  const [open, setOpen] = createSignal(false);
  return (
    <Show when={props.userId} fallback={props.children}>
      {(id) => (
        <>
          <button type="button" class="profile-trigger" data-testid="profile-trigger" onClick={() => setOpen(true)}>
            {props.children}
          </button>
          <Show when={open()}>
            <ProfileCard userId={id()} onClose={() => setOpen(false)} />
          </Show>
        </>
      )}
    </Show>
  );
}
