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
  it("moves committed pages into the database file while the writer never checkpoints", async () => {
    const file = tempFile();
    const writer = new SQLite(file);
    writer.pragma("journal_mode = WAL");
    const ckpt = startCheckpointer(writer, { filename: file, synchronous: "NORMAL", everyMs: 50 });
    expect(writer.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    fill(writer);
    // Only a checkpoint writes pages into the main file; the writer's own are off.
    await until(() => statSync(file).size > 5_000_000);
    await ckpt.stop();
    expect(writer.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    writer.close();
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
