import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startCheckpointer } from "./checkpointer.ts";
import { openSqlite } from "./connect.ts";

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-ckpt-"));
  dirs.push(dir);
  return join(dir, "chat.db");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** ~6 MB of rows, well past SQLite's 1,000-page automatic checkpoint. */
function fill(db: SQLite.Database): void {
  db.exec("create table if not exists t (x text)");
  const ins = db.prepare("insert into t values (?)");
  for (let i = 0; i < 3000; i++) ins.run("x".repeat(2000));
}

describe("the WAL checkpointer", () => {
  it("moves committed pages into the database file before the writer's own threshold", async () => {
    const file = tempFile();
    const writer = new SQLite(file);
    writer.pragma("journal_mode = WAL");
    const ckpt = startCheckpointer(writer, { filename: file, synchronous: "NORMAL", everyMs: 50 });
    expect(writer.pragma("wal_autocheckpoint", { simple: true })).toBe(4000);
    fill(writer); // ~1,500 pages: below the writer's 4,000, so only the worker can move them
    await until(() => statSync(file).size > 5_000_000);
    await ckpt.stop();
    writer.close();
  });

  it("keeps the WAL bounded under sustained writes", async () => {
    const file = tempFile();
    const writer = new SQLite(file);
    writer.pragma("journal_mode = WAL");
    const ckpt = startCheckpointer(writer, { filename: file, synchronous: "NORMAL" });
    writer.exec("create table t (x text)");
    const ins = writer.prepare("insert into t values (?)");
    const batch = writer.transaction(() => {
      for (let i = 0; i < 100; i++) ins.run("y".repeat(4000));
    });
    let largest = 0;
    // ~120 MB written, yielding between batches so the worker runs alongside, as in a server.
    for (let i = 0; i < 300; i++) {
      batch();
      largest = Math.max(largest, statSync(`${file}-wal`).size);
      await new Promise((r) => setImmediate(r));
    }
    await ckpt.stop();
    writer.close();
    // Around the writer's backstop (4,000 pages of 4 KiB; more if a checkpoint of the worker's
    // was under way when the writer tried), not the 120 MB written: without it, it was all of it.
    // Usually under 40 MB; a CI run with the machine's two cores busy saw 47 MB. Under half of what
    // was written still means the WAL started over.
    expect(largest).toBeLessThan(60_000_000);
  });

  it("hands checkpoints back to the writer if the worker cannot run", async () => {
    const file = tempFile();
    const writer = new SQLite(file);
    writer.pragma("journal_mode = WAL");
    const errors: unknown[] = [];
    const ckpt = startCheckpointer(writer, {
      filename: file,
      synchronous: "NORMAL",
      driver: join(tmpdir(), "no-such-driver.js"),
      onError: (err) => errors.push(err),
    });
    await until(() => errors.length > 0);
    expect(writer.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    fill(writer);
    expect(statSync(file).size).toBeGreaterThan(1_000_000);
    await ckpt.stop();
    writer.close();
  });

  it("is started and stopped with an openSqlite handle, which closes cleanly", async () => {
    const file = tempFile();
    const handle = openSqlite({ filename: file });
    const other = new SQLite(file);
    fill(other);
    other.close();
    await handle.close();
    // The last connection closed checkpointed and removed the WAL.
    expect(() => statSync(`${file}-wal`)).toThrow();
  });
});
