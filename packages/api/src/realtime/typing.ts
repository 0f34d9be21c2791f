import type { EventHub } from "./hub.ts";

/** Typing is relayed to the room's other members and expires by itself. */
export class Typing {
  private readonly active = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly hub: EventHub,
    private readonly ttlMs: number,
  ) {}

  set(roomId: number, userId: number, username: string, isTyping: boolean): void {
    const key = `${roomId}:${userId}`;
    const timer = this.active.get(key);
    if (timer) clearTimeout(timer);
    if (isTyping) {
      this.active.set(
        key,
        setTimeout(() => this.set(roomId, userId, username, false), this.ttlMs),
      );
      if (timer) return; // a refresh: the others already know
    } else {
      if (!timer) return;
      this.active.delete(key);
    }
    this.hub.publishLive({ type: "typing", roomId, userId, username, isTyping }, { roomId, exceptUserId: userId });
  }

  stop(): void {
    for (const t of this.active.values()) clearTimeout(t);
    this.active.clear();
  }
}
