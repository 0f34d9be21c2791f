import type { Virtualizer } from "@tanstack/solid-virtual";
import { onCleanup } from "solid-js";

/** Frames in a row at the end with an unchanged height before the end counts as settled. */
const STABLE_FRAMES = 3;
/** A deadline in frames (about two seconds): rows that never stop changing size do not keep a loop alive. */
const MAX_FRAMES = 120;

/**
 * Keeps a scroller at its end while what is at the end is still being
 * measured. Moving to `scrollHeight` once is not enough in a virtualised
 * list: the rows that come into view there are rendered and measured after
 * the move, and when they are taller than estimated the end moves further
 * down, leaving the newest message below the view. So, while `pinned()`,
 * every frame moves to the end again until the height has held still (and the
 * view sat at the end) for a few frames. Frame-based, not a timer: it settles
 * as fast as the browser lays out, and stops as soon as the reader leaves
 * the bottom. Returns the function that (re)starts the settling.
 */
export function createEndSettle(scroller: () => HTMLElement | undefined, pinned: () => boolean): () => void {
  let frame = 0;
  let stable = 0;
  let left = 0;
  let lastHeight = -1;
  const step = () => {
    frame = 0;
    const el = scroller();
    if (!el || !pinned()) return;
    const gap = el.scrollHeight - el.scrollTop - el.clientHeight;
    if (gap > 1) el.scrollTop = el.scrollHeight;
    stable = gap <= 1 && el.scrollHeight === lastHeight ? stable + 1 : 0;
    lastHeight = el.scrollHeight;
    left -= 1;
    if (stable < STABLE_FRAMES && left > 0) frame = requestAnimationFrame(step);
  };
  onCleanup(() => cancelAnimationFrame(frame));
  return () => {
    left = MAX_FRAMES;
    stable = 0;
    if (frame === 0) frame = requestAnimationFrame(step);
  };
}

/**
 * While pinned to the end, a row measured at a new size must not move
 * `scrollTop` (the virtualiser's default keeps the rows above the view still
 * by shifting it): at the end the list is moved to the end anyway, and a
 * shift upwards would read as the reader scrolling away from the newest
 * message. Otherwise the virtualiser's own rule: a first measurement of a row
 * above the view, or a re-measurement of one wholly above it (not while
 * scrolling up).
 */
export function holdStillUnlessPinned(virtualizer: Virtualizer<HTMLElement, Element>, pinned: () => boolean): void {
  virtualizer.shouldAdjustScrollPositionOnItemSizeChange = (item, _delta, v) => {
    if (pinned()) return false;
    const offset = v.scrollOffset ?? 0;
    return v.itemSizeCache.has(item.key) ? item.end <= offset && v.scrollDirection !== "backward" : item.start < offset;
  };
}

/**
 * Hands each row to the virtualiser's `measureElement`, which finds a row's
 * index in its `data-index` attribute and observes its size from then on.
 * Two cases in which it silently does neither:
 * - Solid calls a `ref` before it sets the element's reactive attributes, so
 *   `data-index` is not there yet: it is written here first.
 * - Rows rendered before the virtualiser is mounted (the list remounted with
 *   its history already loaded) find it without a window to make its
 *   ResizeObserver in: those are handed over once it is (`mounted()`, from an
 *   `onMount` made after the virtualiser's).
 * A row never measured keeps its estimate, and a list of rows taller than
 * estimated then ends short of its content: the newest message below the end.
 */
export function makeRowMeasurer(virtualizer: Virtualizer<HTMLElement, Element>): {
  measure(el: HTMLElement, index: number): void;
  mounted(): void;
} {
  let ready = false;
  const early: HTMLElement[] = [];
  return {
    measure(el, index) {
      el.setAttribute(virtualizer.options.indexAttribute ?? "data-index", String(index));
      if (ready) virtualizer.measureElement(el);
      else early.push(el);
    },
    mounted() {
      ready = true;
      for (const el of early.splice(0)) if (el.isConnected) virtualizer.measureElement(el);
    },
  };
}
