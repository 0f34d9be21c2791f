import type { OutboxItem } from "./types.ts";

/** Where the outbox is kept between runs. Synchronous or asynchronous. */
export interface OutboxStorage {
  load(): readonly OutboxItem[] | Promise<readonly OutboxItem[]>;
  save(items: readonly OutboxItem[]): void | Promise<void>;
}

interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function isAction(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const a = v as Record<string, unknown>;
  if (typeof a.messageId !== "number") return false;
  switch (a.type) {
    case "edit":
      return typeof a.content === "string" && (a.rev === undefined || typeof a.rev === "number");
    case "delete":
      return true;
    case "react":
    case "unreact":
      return typeof a.emoji === "string";
    default:
      return false;
  }
}

function isItem(v: unknown): v is OutboxItem {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  // A send names its room; an action names its message instead.
  const target = o.action === undefined ? typeof o.roomId === "number" : o.roomId === null && isAction(o.action);
  return (
    typeof o.clientId === "string" &&
    target &&
    typeof o.content === "string" &&
    (o.status === "pending" || o.status === "failed") &&
    typeof o.createdAt === "number" &&
    (o.threadId === undefined || typeof o.threadId === "number") &&
    (o.alsoToRoom === undefined || typeof o.alsoToRoom === "boolean") &&
    (o.attachments === undefined || (Array.isArray(o.attachments) && o.attachments.every((a) => typeof a === "string")))
  );
}

/** Parses stored JSON, keeping only well-formed items. */
export function parseOutbox(text: string | null): OutboxItem[] {
  if (!text) return [];
  try {
    const data: unknown = JSON.parse(text);
    return Array.isArray(data) ? data.filter(isItem) : [];
  } catch {
    return [];
  }
}

/** Keeps the outbox in `localStorage` (or any Storage-like object) under `key`. */
export function localStorageOutbox(key = "parley.outbox", store?: KeyValueStore): OutboxStorage {
  const target = (): KeyValueStore | null =>
    store ?? (globalThis as { localStorage?: KeyValueStore }).localStorage ?? null;
  return {
    load: () => parseOutbox(target()?.getItem(key) ?? null),
    save(items) {
      try {
        target()?.setItem(key, JSON.stringify(items));
      } catch {
        // Quota exceeded or storage disabled: the outbox still works in memory.
      }
    },
  };
}

/** Keeps the outbox in memory only (useful in tests and for several clients sharing one store). */
export function memoryOutbox(initial: readonly OutboxItem[] = []): OutboxStorage & { items: readonly OutboxItem[] } {
  const s = {
    items: [...initial] as readonly OutboxItem[],
    load: () => s.items,
    save(items: readonly OutboxItem[]) {
      s.items = [...items];
    },
  };
  return s;
}
