import { type Component, lazy } from "solid-js";

/**
 * A component in its own chunk (Solid's `lazy`, for a named export): what
 * is not on the first screen — dialogs, panels, other screens — is fetched
 * when first rendered, keeping the initial JS small (issue 13: ≤ 50 KB gzip).
 * Mount it under a `<Show>` of its open state, or it is fetched at once.
 */
export function lazyNamed<P extends Record<string, unknown>>(load: () => Promise<Component<P>>): Component<P> & { preload: () => Promise<{ default: Component<P> }> } {
  return lazy(() => load().then((c) => ({ default: c })));
}
