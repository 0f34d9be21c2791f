/** Time labels for messages: relative in the list, exact on hover. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function startOfDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export const sameDay = (a: number, b: number): boolean => startOfDay(a) === startOfDay(b);

const clock = (ts: number) => new Date(ts).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

/** "just now", "5 min ago", "14:02", "Yesterday 14:02", "3 Nov 14:02". */
export function relativeTime(ts: number, now: number = Date.now()): string {
  const diff = now - ts;
  if (diff < MINUTE) return "just now";
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)} min ago`;
  if (sameDay(ts, now)) return clock(ts);
  if (sameDay(ts, now - DAY)) return `Yesterday ${clock(ts)}`;
  const d = new Date(ts);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  const date = d.toLocaleDateString(undefined, { day: "numeric", month: "short", ...(sameYear ? {} : { year: "numeric" }) });
  return `${date} ${clock(ts)}`;
}

/** Full date and time, for the hover title and `datetime` readers. */
export const exactTime = (ts: number): string =>
  new Date(ts).toLocaleString(undefined, { dateStyle: "full", timeStyle: "medium" });

/** Day separator label: "Today", "Yesterday" or the date. */
export function dayLabel(ts: number, now: number = Date.now()): string {
  if (sameDay(ts, now)) return "Today";
  if (sameDay(ts, now - DAY)) return "Yesterday";
  const d = new Date(ts);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", ...(sameYear ? {} : { year: "numeric" }) });
}
