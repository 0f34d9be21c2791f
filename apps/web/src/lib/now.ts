import { createSignal } from "solid-js";

/**
 * Shared clocks, made to tick by `startClock` (once, at start-up): `now`
 * every second (countdowns, typing expiry), `slowNow` every 30 s (relative
 * message times, so a long history is not re-rendered every second).
 */
const [now, setNow] = createSignal(Date.now());
const [slowNow, setSlowNow] = createSignal(Date.now());
export { now, slowNow };

export function startClock(): () => void {
  const fast = setInterval(() => setNow(Date.now()), 1_000);
  const slow = setInterval(() => setSlowNow(Date.now()), 30_000);
  return () => {
    clearInterval(fast);
    clearInterval(slow);
  };
}
