/** setTimeout's largest delay: a longer one overflows and fires after 1 ms. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/**
 * `setTimeout` for any delay: one beyond ~24.8 days is waited out in steps
 * instead of overflowing (which would fire at once: a month-long access
 * token would close its socket straight away).
 */
export function setLongTimeout(fn: () => void, delayMs: number): LongTimeout {
  let timer: ReturnType<typeof setTimeout>;
  const arm = (left: number) => {
    const step = Math.min(MAX_DELAY_MS, Math.max(0, left));
    timer = setTimeout(() => (left > MAX_DELAY_MS ? arm(left - step) : fn()), step);
  };
  arm(delayMs);
  return { clear: () => clearTimeout(timer) };
}
