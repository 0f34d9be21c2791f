/**
 * A lean single-consumer async queue: one array and at most one waiting
 * promise per subscriber (no emitter, no per-event promise races). When the
 * consumer falls too far behind, `overflow` runs and the queue ends; the
 * client then resumes from its last position, so nothing is lost.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private done = false;

  constructor(
    private readonly maxItems: number,
    private readonly overflow: () => void,
  ) {}

  push(item: T): void {
    if (this.done) return;
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.items.length - this.head > this.maxItems) {
      this.end();
      this.overflow();
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.items = [];
    this.head = 0;
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
  }

  /** Items waiting to be taken. */
  get size(): number {
    return this.items.length - this.head;
  }

  get ended(): boolean {
    return this.done;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head] as T;
      this.head++;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
