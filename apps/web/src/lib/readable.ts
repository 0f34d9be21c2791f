import { type Accessor, createSignal, onCleanup } from "solid-js";

interface Readable<T> {
  get(): T;
  subscribe(fn: (value: T) => void): () => void;
}

/** A client store as a Solid signal, unsubscribed with the owner. */
export function createReadable<T>(store: Readable<T>): Accessor<T> {
  const [value, setValue] = createSignal<T>(store.get(), { equals: false });
  onCleanup(store.subscribe((v) => setValue(() => v)));
  return value;
}
