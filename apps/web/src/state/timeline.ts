import { batch } from "solid-js";
import { indexById } from "./message-ops.ts";
import type { Message } from "./types.ts";

/**
 * Where a message goes in a list sorted by id: ids only grow, so a live
 * message is an append and a known one a replacement found by binary search;
 * only an unlisted id older than the last (rare: a late ack, an overlap) is
 * an insertion by position.
 */
export type Place = { kind: "append" } | { kind: "replace"; index: number } | { kind: "insert"; index: number };

export function placeOf(items: readonly Message[], id: number): Place {
  const last = items[items.length - 1];
  if (!last || last.id < id) return { kind: "append" };
  const i = indexById(items, id);
  if (i !== -1) return { kind: "replace", index: i };
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((items[mid]?.id ?? 0) < id) lo = mid + 1;
    else hi = mid;
  }
  return { kind: "insert", index: lo };
}

/** Inserts messages by id, replacing duplicates, into a new array (small lists: thread replies). */
export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const out = [...current];
  for (const m of incoming) {
    const p = placeOf(out, m.id);
    if (p.kind === "append") out.push(m);
    else if (p.kind === "replace") out[p.index] = m;
    else out.splice(p.index, 0, m);
  }
  return out;
}

/** The four writes a timeline needs, each by path into the store (see chat.ts). */
export interface TimelineSetters {
  setAt(index: number, m: Message): void;
  replaceAt(index: number, m: Message): void;
  insertAt(index: number, m: Message): void;
  setAll(fn: (cur: Message[]) => Message[]): void;
}

/**
 * Writes into one store array of messages (a room's timeline) by path, so a
 * new message costs O(1) in the store and its readers: only the new index
 * (and the length) change, nothing is re-sorted or copied.
 */
export function makeTimelineWriter(read: () => readonly Message[] | undefined, set: TimelineSetters, onAdded: (m: Message) => void) {
  function put(m: Message): void {
    const items = read();
    if (!items) return;
    const p = placeOf(items, m.id);
    // Told first: readers that run as the store changes (the pending-sends filter) already see it.
    if (p.kind !== "replace") onAdded(m);
    if (p.kind === "append") set.setAt(items.length, m);
    else if (p.kind === "replace") set.replaceAt(p.index, m);
    else set.insertAt(p.index, m);
  }
  return {
    put,
    putAll: (ms: readonly Message[]) => batch(() => ms.forEach(put)),
    /** An older page: what is older than the first goes before it in one step; overlaps are replaced. */
    prepend(page: readonly Message[]): void {
      const items = read();
      if (!items) return;
      const firstId = items[0]?.id ?? Number.POSITIVE_INFINITY;
      const older = page.filter((m) => m.id < firstId).sort((a, b) => a.id - b.id);
      batch(() => {
        if (older.length > 0) {
          older.forEach(onAdded);
          set.setAll((cur) => [...older, ...cur]);
        }
        for (const m of page) if (m.id >= firstId) put(m);
      });
    },
  };
}
