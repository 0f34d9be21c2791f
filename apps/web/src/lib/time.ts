/**
 * Time labels for messages: relative in the list, exact on hover. Formatters
 * are made once (an Intl formatter costs far more to build than to use) and
 * the per-message labels that never change (the exact time, the clock, the
 * day) are cached by timestamp, so a long history formats each message once.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let formats:
  | { clock: Intl.DateTimeFormat; exact: Intl.DateTimeFormat; short: Intl.DateTimeFormat; shortYear: Intl.DateTimeFormat; day: Intl.DateTimeFormat; dayYear: Intl.DateTimeFormat }
  | undefined;

/** Built on first use (never on import), in the reader's locale. */
function fmt() {
  formats ??= {
    clock: new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }),
    exact: new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" }),
    short: new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" }),
    shortYear: new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" }),
    day: new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" }),
    dayYear: new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" }),
  };
  return formats;
}

/** A label per timestamp, kept for the session; cleared past `max` entries so it stays bounded. */
function memo<T>(fn: (ts: number) => T, max = 20_000): (ts: number) => T {
  const cache = new Map<number, T>();
  return (ts) => {
    let s = cache.get(ts);
    if (s === undefined) {
      if (cache.size >= max) cache.clear();
      s = fn(ts);
      cache.set(ts, s);
    }
    return s;
  };
}

export const startOfDay = memo((ts: number): number => {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
});

export const sameDay = (a: number, b: number): boolean => Math.abs(a - b) < DAY && startOfDay(a) === startOfDay(b);

/** "14:02" in the reader's locale. */
export const clockTime = memo((ts: number) => fmt().clock.format(ts));

/** "just now", "5 min ago", "14:02", "Yesterday 14:02", "3 Nov 14:02". */
export function relativeTime(ts: number, now: number = Date.now()): string {
  const diff = now - ts;
  if (diff < MINUTE) return "just now";
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)} min ago`;
  if (sameDay(ts, now)) return clockTime(ts);
  if (sameDay(ts, now - DAY)) return `Yesterday ${clockTime(ts)}`;
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return `${(sameYear ? fmt().short : fmt().shortYear).format(ts)} ${clockTime(ts)}`;
}

/** Full date and time, for the hover title and `datetime` readers. */
export const exactTime = memo((ts: number): string => fmt().exact.format(ts));

/** Day separator label: "Today", "Yesterday" or the date. */
export function dayLabel(ts: number, now: number = Date.now()): string {
  if (sameDay(ts, now)) return "Today";
  if (sameDay(ts, now - DAY)) return "Yesterday";
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return (sameYear ? fmt().day : fmt().dayYear).format(ts);
}
