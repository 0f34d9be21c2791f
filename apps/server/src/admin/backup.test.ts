import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registerUser, startTestServer, type TestServer } from "../test/harness.ts";
import { runAdmin } from "./test-cli.ts";

/**
 * `parley-admin backup` while the server serves a steady stream of sends,
 * then `restore` into a new place: every message acknowledged before the
 * backup began is in the restored database (and the database is sound).
 */

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "parley-backup-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("backup under load, then restore", () => {
  it("restores every message acknowledged before the backup began, and the uploads", async () => {
    const live = tempDir();
    mkdirSync(join(live, "uploads", "ab"), { recursive: true });
    writeFileSync(join(live, "uploads", "ab", "file.bin"), "uploaded bytes");
    let server: TestServer | null = await startTestServer({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000" }, live);
    const users = await Promise.all([0, 1, 2, 3].map(() => registerUser(server as TestServer, "bk")));
    const [owner] = users;
    if (!owner) throw new Error("no owner");
    const room = await owner.http.rooms.create.mutate({ name: "busy" });
    await Promise.all(users.slice(1).map((u) => u.http.rooms.join.mutate({ roomId: room.id })));

    const acked: number[] = [];
    let stop = false;
    let seq = 0;
    const senders = users.map(async (u) => {
      while (!stop) {
        const n = ++seq;
        const m = await u.http.messages.send.mutate({ roomId: room.id, content: `load ${n}`, clientId: `bk-${n}` });
        acked.push(m.id);
      }
    });
    while (acked.length < 150) await new Promise((r) => setTimeout(r, 20));

    const before = [...acked];
    const file = join(tempDir(), "parley.backup");
    const backup = await runAdmin(["backup", file], { DATABASE_URL: join(live, "chat.db") });
    const duringBackup = acked.length - before.length;
    stop = true;
    await Promise.all(senders);
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    // The load went on while the backup ran: it was taken from a live server.
    expect(duringBackup).toBeGreaterThan(0);
    await server.dispose();
    server = null;

    const restored = tempDir();
    const env = { DATABASE_URL: join(restored, "chat.db") };
    const restore = await runAdmin(["restore", file], env);
    expect([restore.code, restore.stderr]).toEqual([0, ""]);
    expect(readFileSync(join(restored, "uploads", "ab", "file.bin"), "utf8")).toBe("uploaded bytes");
    const doctor = await runAdmin(["doctor"], env);
    expect([doctor.code, doctor.stderr]).toEqual([0, ""]);
    expect(doctor.stdout).toMatch(/ok {3}integrity_check: ok/);

    const again = await startTestServer({}, restored);
    try {
      const rows = await again.svc.db.selectFrom("messages").select("id").where("room_id", "=", room.id).execute();
      const ids = new Set(rows.map((r) => Number(r.id)));
      expect(before.filter((id) => !ids.has(id))).toEqual([]);
      // And what the restored server serves is the backup: members sign in and read it.
      const history = await again.svc.db.selectFrom("messages").select("content").where("id", "=", before[0] ?? 0).executeTakeFirst();
      expect(history?.content).toMatch(/^load /);
    } finally {
      await again.dispose();
    }
  }, 120_000);

  it("refuses a PostgreSQL deployment, a missing directory and a damaged backup with a clear message", async () => {
    const pg = await runAdmin(["backup", "/tmp/x.backup"], { DATABASE_URL: "postgres://u:p@127.0.0.1:1/db" });
    expect(pg.code).toBe(1);
    expect(pg.stderr).toMatch(/pg_dump/);
    const d = tempDir();
    const missing = await runAdmin(["backup", join(d, "no", "such", "dir", "b")], { DATABASE_URL: join(d, "chat.db") });
    expect(missing.code).toBe(1);
    writeFileSync(join(d, "junk.backup"), "this is not a database");
    const junk = await runAdmin(["restore", join(d, "junk.backup")], { DATABASE_URL: join(d, "chat.db") });
    expect(junk.code).not.toBe(0);
    const usage = await runAdmin(["frobnicate"], { DATABASE_URL: join(d, "chat.db") });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: parley-admin/);
  });
});
