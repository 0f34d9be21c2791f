import { createSignal } from "solid-js";

/** A shared clock for relative times and countdowns; `startClock` (once, at start-up) makes it tick. */
const [now, setNow] = createSignal(Date.now());
export { now };

export function startClock(): () => void {
  const timer = setInterval(() => setNow(Date.now()), 1_000);
  return () => clearInterval(timer);
}
