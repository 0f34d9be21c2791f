import { type Accessor, createMemo, createSignal, onCleanup, untrack } from "solid-js";

type IdleHandle = ReturnType<typeof setTimeout> | number;
/** `fn` at the browser's next idle moment, within 300 ms (a timer where there is no requestIdleCallback). */
const whenIdle = (fn: () => void): IdleHandle =>
  typeof requestIdleCallback === "function" ? requestIdleCallback(fn, { timeout: 300 }) : setTimeout(fn, 1);

/** How long one idle task may run queued work: several rows, and no long task. */
const SLICE_MS = 4;
const queue = new Set<() => void>();
let scheduled = false;

function runQueue() {
  scheduled = false;
  const until = performance.now() + SLICE_MS;
  try {
    for (const fn of queue) {
      queue.delete(fn);
      fn();
      if (performance.now() >= until) break;
    }
  } finally {
    if (queue.size > 0) schedule();
  }
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  whenIdle(runQueue);
}

/**
 * `fn` at an idle moment, oldest first: one idle callback for all that is
 * queued, running it in slices of a few milliseconds (a row's render is about
 * one). One callback per row cost more than the row: requestIdleCallback,
 * its timeout's timer and their cancelling were about a tenth of a scroll
 * step's script. Returns the cancel (a no-op once it ran).
 */
export function onIdle(fn: () => void): () => void {
  queue.add(fn);
  schedule();
  return () => queue.delete(fn);
}

let noHover: boolean | undefined;
/** Phones show a row's actions always; read once, not per row (a media query per row was measurable). */
const withoutHover = (): boolean => {
  noHover ??= typeof matchMedia === "function" && matchMedia("(hover: none)").matches;
  return noHover;
};

/**
 * For a part of a row that is not visible until the row is hovered or
 * focused (a message's actions): true at the browser's next idle moment
 * (within 300 ms), or at once on `now()` (the pointer or focus came in), and
 * from the start where there is no hover (phones show actions always).
 * A row's first render is then only what is seen: the rows a scroll brings in
 * render in about half the time, their hidden buttons after.
 * `create*`: the idle work is cancelled with the owner.
 */
export function createRevealWhenIdle(): { ready: Accessor<boolean>; now: () => void } {
  const [ready, setReady] = createSignal(withoutHover());
  if (!ready()) onCleanup(onIdle(() => setReady(true)));
  return { ready, now: () => setReady(true) };
}

/**
 * Whether a row renders its content yet: at once when it is in view as it
 * is created, else at an idle moment, or as soon as it comes into view,
 * whichever is first; it stays rendered after. The rows beyond the view (the
 * virtualiser's overscan) are then no work in the task that brings them in: a
 * wheel step up renders rows above the view that no one sees yet, and a jump
 * a whole view at once, and both were most of that frame's script.
 * `create*`: the idle work is cancelled with the owner.
 */
export function createShownWhenIdle(inView: () => boolean): Accessor<boolean> {
  if (untrack(inView)) return () => true;
  const [idle, setIdle] = createSignal(false);
  onCleanup(onIdle(() => setIdle(true)));
  return createMemo((shown: boolean) => shown || idle() || inView(), false);
}
