import { type Accessor, createSignal, onCleanup } from "solid-js";

export type IdleHandle = ReturnType<typeof setTimeout> | number;
/** `fn` at the browser's next idle moment, within 300 ms (a timer where there is no requestIdleCallback). */
export const whenIdle = (fn: () => void): IdleHandle =>
  typeof requestIdleCallback === "function" ? requestIdleCallback(fn, { timeout: 300 }) : setTimeout(fn, 1);
export const cancelIdle = (h: IdleHandle) => (typeof cancelIdleCallback === "function" && typeof h === "number" ? cancelIdleCallback(h) : clearTimeout(h));

/**
 * For a part of a row that is not visible until the row is hovered or
 * focused (a message's actions): true at the browser's next idle moment
 * (within 300 ms), or at once on `now()` (the pointer or focus came in), and
 * from the start where there is no hover (phones show actions always).
 * A row's first render is then only what is seen: the rows a scroll brings in
 * render in about half the time, their hidden buttons after.
 * `create*`: the idle callback is cancelled with the owner.
 */
export function createRevealWhenIdle(): { ready: Accessor<boolean>; now: () => void } {
  const noHover = typeof matchMedia === "function" && matchMedia("(hover: none)").matches;
  const [ready, setReady] = createSignal(noHover);
  if (!noHover) {
    const h = whenIdle(() => setReady(true));
    onCleanup(() => cancelIdle(h));
  }
  return { ready, now: () => setReady(true) };
}
