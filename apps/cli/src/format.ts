import type { Message } from "@parley/client";

const time = (ms: number) => new Date(ms).toTimeString().slice(0, 8);

/** One line per message: `[12:34:56] alice: hello`, system messages as `[12:34:56] * alice joined`. */
export function formatMessage(m: Message, json: boolean): string {
  if (json) return JSON.stringify(m);
  const who = m.kind === "system" || !m.sender ? "*" : `${m.sender.username}:`;
  return `[${time(m.createdAt)}] ${who} ${m.content}`;
}
