import { onCleanup } from "solid-js";
import { navigate } from "../../lib/route.ts";

/**
 * The app's navigation keys: Ctrl/Cmd+K opens the switcher, Alt+↑/↓ goes to
 * the previous/next room of the sidebar. `create*`: listens until cleanup.
 */
export function createNavigationKeys(opts: { openSwitcher: () => void; order: () => number[]; current: () => number | null }) {
  const onKey = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
      e.preventDefault();
      opts.openSwitcher();
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      const order = opts.order();
      if (order.length === 0) return;
      e.preventDefault();
      const at = order.indexOf(opts.current() ?? -1);
      const next = at === -1 ? 0 : (at + (e.key === "ArrowDown" ? 1 : order.length - 1)) % order.length;
      const id = order[next];
      if (id !== undefined) navigate({ name: "room", roomId: id });
    }
  };
  document.addEventListener("keydown", onKey);
  onCleanup(() => document.removeEventListener("keydown", onKey));
}
