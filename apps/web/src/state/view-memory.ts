/**
 * Per-room memory of the message view for this session: where the reader
 * was scrolled (a message and an offset, since row heights are measured
 * again on each visit) and where they had read to. `make*`: plain data.
 */
export interface ScrollSpot {
  /** The first message in view, or null when the view was at the newest. */
  messageId: number | null;
  /** Pixels from the top of the viewport to that message's top. */
  offset: number;
}

export function makeViewMemory(storageKey: string) {
  const spots = new Map<number, ScrollSpot>();
  const read = (): Record<string, number> => {
    try {
      const raw = localStorage.getItem(storageKey);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === "object" ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  };
  return {
    spot: (roomId: number): ScrollSpot | undefined => spots.get(roomId),
    keepSpot: (roomId: number, spot: ScrollSpot) => spots.set(roomId, spot),
    /**
     * The newest message id the reader has seen in a room ("where you left
     * off"), kept in localStorage for now. The one function the "New
     * messages" divider reads: a server-side read marker replaces its body.
     */
    seenUpTo: (roomId: number): number | null => {
      const v = read()[String(roomId)];
      return typeof v === "number" ? v : null;
    },
    markSeen: (roomId: number, messageId: number) => {
      const all = read();
      if ((all[String(roomId)] ?? 0) >= messageId) return;
      all[String(roomId)] = messageId;
      try {
        localStorage.setItem(storageKey, JSON.stringify(all));
      } catch {
        // Storage full or blocked: the divider is a convenience.
      }
    },
  };
}

export type ViewMemory = ReturnType<typeof makeViewMemory>;
