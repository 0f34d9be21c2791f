/** setTimeout's largest delay: a longer one overflows and fires after 1 ms. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** A delay beyond setTimeout's range, waited out in steps. */
class SteppedTimeout {
  private timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly fn: () => void,
    left: number,
  ) {
    this.timer = this.arm(left);
  }

  private arm(left: number): ReturnType<typeof setTimeout> {
    const step = Math.min(MAX_DELAY_MS, left);
    return setTimeout(() => {
      if (left > MAX_DELAY_MS) this.timer = this.arm(left - step);
      else this.fn();
    }, step);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

export type LongTimeout = ReturnType<typeof setTimeout> | SteppedTimeout;

/**
 * `setTimeout(fn, delayMs, arg)` for any delay: one beyond ~24.8 days is
 * waited out in steps instead of overflowing (which would fire at once: a
 * month-long access token would close its socket straight away). A delay in
 * range is a plain timer (one per socket: nothing else is kept for it).
 */
export function setLongTimeout<A>(fn: (arg: A) => void, delayMs: number, arg: A): LongTimeout {
  const delay = Math.max(0, delayMs);
  if (delay <= MAX_DELAY_MS) return setTimeout(fn, delay, arg);
  return new SteppedTimeout(() => fn(arg), delay);
}

export function clearLongTimeout(t: LongTimeout): void {
  if (t instanceof SteppedTimeout) t.clear();
  else clearTimeout(t);
}
