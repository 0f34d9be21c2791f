import type { Message } from "@parley/api";

/**
 * Messages in id order with an index by id. Ids only grow, so a new message
 * is an append and a changed one a replacement in place: O(1) each. Only
 * what breaks the order (an older page, an out-of-order id) rebuilds the
 * index. `view()` copies the array at most once per change, for readers
 * that keep what they were given.
 */
export class MessageList {
  private items: Message[] = [];
  private readonly index = new Map<number, number>();
  private frozen: readonly Message[] | null = null;

  constructor(items: readonly Message[] = []) {
    this.reset(items);
  }

  get(id: number): Message | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.items[i];
  }

  first(): Message | undefined {
    return this.items[0];
  }

  get length(): number {
    return this.items.length;
  }

  /** Adds `m` (or replaces it, if listed): at the end unless its id is older than the last. */
  add(m: Message): void {
    if (this.replace(m)) return;
    const last = this.items.at(-1);
    if (last === undefined || last.id < m.id) {
      this.index.set(m.id, this.items.length);
      this.items.push(m);
      this.frozen = null;
      return;
    }
    this.reset([...this.items, m].sort((a, b) => a.id - b.id));
  }

  /** Replaces the listed message with `m`'s id; false if it is not listed. */
  replace(m: Message): boolean {
    const i = this.index.get(m.id);
    if (i === undefined) return false;
    this.items[i] = m;
    this.frozen = null;
    return true;
  }

  /** Puts older messages before the first (those already listed are skipped). */
  prepend(older: readonly Message[]): void {
    this.reset([...older.filter((m) => !this.index.has(m.id)), ...this.items]);
  }

  reset(items: readonly Message[]): void {
    this.items = [...items];
    this.index.clear();
    for (const [i, m] of this.items.entries()) this.index.set(m.id, i);
    this.frozen = null;
  }

  /** The messages, oldest first: a frozen copy, made once per change. */
  view(): readonly Message[] {
    this.frozen ??= Object.freeze([...this.items]);
    return this.frozen;
  }

  values(): IterableIterator<Message> {
    return this.items.values();
  }
}
