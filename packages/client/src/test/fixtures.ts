import type { Message } from "@parley/api";
import { ServerProcess } from "@parley/server/testing";
import { afterEach } from "vitest";
import type { ParleyClient } from "../types.ts";

/** Resources a test made, disposed after it in reverse order. */
export function useDisposer() {
  const disposers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const d of disposers.splice(0).reverse()) await d();
  });
  return {
    async server(env: Record<string, string> = {}) {
      const s = new ServerProcess(env);
      await s.start();
      disposers.push(() => s[Symbol.asyncDispose]());
      return s;
    },
    client(c: ParleyClient): ParleyClient {
      disposers.push(() => c.close());
      return c;
    },
    add(fn: () => Promise<void>) {
      disposers.push(fn);
    },
  };
}

/** A room's whole history in stored order, read page by page with messages.list. */
export async function history(c: ParleyClient, roomId: number): Promise<Message[]> {
  const pages: Message[][] = [];
  let before: number | null = null;
  for (;;) {
    const page: { items: Message[]; nextCursor: number | null } = await c.api.messages.list.query({ roomId, before, limit: 100 });
    pages.unshift(page.items);
    if (page.nextCursor === null) break;
    before = page.nextCursor;
  }
  return pages.flat();
}

/** Message logs per room, filled from the client's event stream. */
export function recordMessages(c: ParleyClient): Map<number, Message[]> {
  const logs = new Map<number, Message[]>();
  c.events.on("message.created", (e) => {
    const list = logs.get(e.roomId) ?? [];
    list.push(e.message);
    logs.set(e.roomId, list);
  });
  return logs;
}
