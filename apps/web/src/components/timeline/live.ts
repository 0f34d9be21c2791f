import { createComputed } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import type { Message } from "../../state/types.ts";

/**
 * A rendered row's own reactive copy of its message. The timeline holds
 * plain, never-mutated messages (state/timeline.ts); a change replaces one.
 * Reconciled into this copy, the change reaches only the parts of the row
 * that read what changed, and the row's elements (and the focus in them) stay.
 * A copy, not the timeline's object: a store adds its tracking to what it
 * wraps and changes it in place, and that tracking goes with the row here.
 * `create*`: it lives as long as the row's owner.
 */
export function createLiveMessage(read: () => Message): Message {
  const [live, setLive] = createStore<{ m: Message }>({ m: structuredClone(read()) });
  let last = read();
  createComputed(() => {
    const m = read();
    if (m === last) return;
    last = m;
    setLive("m", reconcile(structuredClone(m), { key: "id" }));
  });
  return live.m;
}
