import { type Component, lazy } from "solid-js";

/**
 * A component in its own chunk (Solid's `lazy`, for a named export): what
 * is not on the first screen — dialogs, panels, other screens — is fetched
 * when first rendered, keeping the initial JS small (issue 13: ≤ 50 KB gzip).
 * Mount it under a `<Show>` of its open state, or it is fetched at once.
 */
export function lazyNamed<P extends Record<string, unknown>>(load: () => Promise<Component<P>>): Component<P> & { preload: () => Promise<{ default: Component<P> }> } {
  return lazy(() => retried(load).then((c) => ({ default: c })));
}

/** Waits before each new attempt: a chunk asked for while the network or the server is down (a restart) comes later. */
const RETRY_MS = [500, 1000, 2000, 4000, 8000];

/** Solid's `lazy` keeps a failed load for good (the component then throws): try again a few times first. */
async function retried<T>(load: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load();
    } catch (e) {
      const wait = RETRY_MS[attempt];
      if (wait === undefined) throw e;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
