import { type Accessor, createSignal } from "solid-js";

/**
 * A module loaded on first use, as a signal: undefined until it arrives
 * (readers render a plain fallback meanwhile), then the module. Loading
 * starts on the first read, once for the whole app; a failed load leaves
 * the fallback in place.
 */
export function lazyModule<T>(load: () => Promise<T>): Accessor<T | undefined> {
  const [value, setValue] = createSignal<T | undefined>(undefined, { equals: false });
  let started = false;
  return () => {
    if (!started) {
      started = true;
      load().then(
        (m) => setValue(() => m),
        (err: unknown) => console.warn("parley: could not load a part of the app", err),
      );
    }
    return value();
  };
}
