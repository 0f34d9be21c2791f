import { type Accessor, createSignal } from "solid-js";
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

/**
 * One room's loaded messages, oldest first: a plain array behind one version
 * signal, not a Solid store. A store unwraps (walks) every message when its
 * array is replaced, so an older page cost O(history), and keeps a signal
 * node on every property of every message ever rendered, so the heap grew by
 * kilobytes per message. Here a new message is an append, a page one splice,
 * a change one replacement (found by binary search), and readers learn of any
 * of them from the version: each rendered row re-reads its own index (O(1))
 * and keeps a reactive copy of its message only while it is rendered
 * (components/timeline/live.ts). The messages are never mutated: a change is
 * a new object.
 */
export class TimelineItems {
  readonly #list: Message[] = [];
  readonly #version: Accessor<number>;
  readonly #bump: () => void;
  /** Told of each message that joins the list (not of replacements), before readers are. */
  readonly #onAdded: (m: Message) => void;

  constructor(onAdded: (m: Message) => void = () => {}) {
    const [version, setVersion] = createSignal(0);
    this.#version = version;
    this.#bump = () => setVersion((v) => v + 1);
    this.#onAdded = onAdded;
  }

  get length(): number {
    this.#version();
    return this.#list.length;
  }

  at(index: number): Message | undefined {
    this.#version();
    return index < 0 ? undefined : this.#list[index];
  }

  last(): Message | undefined {
    this.#version();
    return this.#list[this.#list.length - 1];
  }

  /** Index of message `id`, or -1 (O(log n)). */
  indexOf(id: number): number {
    this.#version();
    return indexById(this.#list, id);
  }

  byId(id: number): Message | undefined {
    const i = this.indexOf(id);
    return i === -1 ? undefined : this.#list[i];
  }

  /** The list itself, untracked, for hot loops that must not subscribe (the virtualiser's keys): never to be changed. */
  peek(): readonly Message[] {
    return this.#list;
  }

  /** Adds or replaces one message: O(1) when it is the newest (a live message), O(log n) to replace. */
  put(m: Message): void {
    this.#place(m);
    this.#bump();
  }

  putAll(ms: readonly Message[]): void {
    for (const m of ms) this.#place(m);
    if (ms.length > 0) this.#bump();
  }

  /** An older page: what is older than the first goes before it in one splice (O(page) and one move); overlaps are replaced. */
  prepend(page: readonly Message[]): void {
    const firstId = this.#list[0]?.id ?? Number.POSITIVE_INFINITY;
    const older = page.filter((m) => m.id < firstId).sort((a, b) => a.id - b.id);
    older.forEach(this.#onAdded);
    this.#list.splice(0, 0, ...older);
    for (const m of page) if (m.id >= firstId) this.#place(m);
    this.#bump();
  }

  /** Replaces message `id` with `fn` of it (O(log n)); false when it is not loaded. */
  patch(id: number, fn: (m: Message) => Message): boolean {
    const i = indexById(this.#list, id);
    const m = this.#list[i];
    if (!m) return false;
    const next = fn(m);
    if (next !== m) {
      this.#list[i] = next;
      this.#bump();
    }
    return true;
  }

  #place(m: Message): void {
    const p = placeOf(this.#list, m.id);
    if (p.kind === "replace") {
      this.#list[p.index] = m;
      return;
    }
    this.#onAdded(m);
    if (p.kind === "append") this.#list.push(m);
    else this.#list.splice(p.index, 0, m);
  }
}
