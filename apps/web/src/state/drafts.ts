/**
 * Unsent composer text per room, in localStorage, so a draft survives
 * switching rooms and reloading. One key per user; a broken or full
 * storage degrades to keeping drafts in memory. `make*`: plain data.
 */
export interface Drafts {
  get(roomId: number): string | undefined;
  set(roomId: number, text: string): void;
  delete(roomId: number): void;
}

export function makeDrafts(storageKey: string): Drafts {
  const memory = new Map<number, string>();
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? "{}");
    if (parsed && typeof parsed === "object") {
      for (const [k, v] of Object.entries(parsed)) if (typeof v === "string" && Number.isInteger(Number(k))) memory.set(Number(k), v);
    }
  } catch {
    // Unreadable: start empty.
  }
  const save = () => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(Object.fromEntries(memory)));
    } catch {
      // Full or blocked: drafts stay in memory for this tab.
    }
  };
  return {
    get: (roomId) => memory.get(roomId),
    set: (roomId, text) => {
      if (memory.get(roomId) === text) return;
      memory.set(roomId, text);
      save();
    },
    delete: (roomId) => {
      if (memory.delete(roomId)) save();
    },
  };
}
