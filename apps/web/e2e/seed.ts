import SQLite from "better-sqlite3";
import type { ParleyProcess } from "./harness.ts";

/**
 * `count` text messages from one sender in one room, written straight into
 * the server's SQLite file while it is stopped (the server is started again
 * after): 10,000 in well under a second, where sending them one by one
 * takes a minute on a busy machine. Only `messages` rows: history is read
 * from them; the stream replays nothing older than the page's first load.
 */
export async function seedMessages(
  server: ParleyProcess,
  opts: { roomId: number; senderId: number; count: number; text?: (i: number) => string },
): Promise<void> {
  await server.stopProcess();
  const db = new SQLite(server.dbFile);
  try {
    const ins = db.prepare("insert into messages (room_id, sender_id, kind, content, client_id, created_at, edited_at) values (?, ?, 'text', ?, ?, ?, null)");
    const text = opts.text ?? ((i: number) => `history ${i}`);
    const start = Date.now() - opts.count * 1000;
    db.transaction(() => {
      for (let i = 0; i < opts.count; i++) ins.run(opts.roomId, opts.senderId, text(i), `seed-${opts.roomId}-${i}`, start + i * 1000);
    })();
  } finally {
    db.close();
  }
  await server.startProcess();
}

/** Scrolls the room's list to the top until `count` messages are loaded (each page that arrives moves it down again). */
export const loadAllScript = `async (count) => {
  const el = document.querySelector('[data-testid="message-scroller"]');
  const until = Date.now() + 120000;
  let last = -1;
  while (Number(el.dataset.count) < count) {
    if (Date.now() > until) throw new Error("only " + el.dataset.count + " loaded");
    if (Number(el.dataset.count) !== last) { last = Number(el.dataset.count); el.scrollTop = 0; }
    await new Promise((r) => setTimeout(r, 5));
  }
}`;
