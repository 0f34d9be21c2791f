/** A value you can read now and watch: `subscribe` calls `fn` at once with the current value, then on every change. */
export interface Readable<T> {
  get(): T;
  subscribe(fn: (value: T) => void): () => void;
}

export interface Writable<T> extends Readable<T> {
  set(value: T): void;
}

/** A tiny store; a throwing subscriber does not stop the others. */
export function makeStore<T>(initial: T, onListenerError: (err: unknown) => void): Writable<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  const call = (fn: (value: T) => void) => {
    try {
      fn(value);
    } catch (err) {
      onListenerError(err);
    }
  };
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const fn of [...listeners]) call(fn);
    },
    subscribe(fn) {
      listeners.add(fn);
      call(fn);
      return () => {
        listeners.delete(fn);
      };
    },
  };
}
