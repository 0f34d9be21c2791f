import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, openSqlite, type ParleyDb } from "./connect.ts";
import type { Database } from "./schema.ts";
import { castLimits } from "./sqlite-limits.ts";

describe("castLimits (SQLite's prepared text)", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-limits-"));
  let handle: ParleyDb;
  let plain: Kysely<Database>;
  beforeAll(async () => {
    handle = openSqlite({ filename: join(dir, "chat.db") });
    await migrate(handle);
    const user = await handle.db.insertInto("users").values({ username: "u", username_key: "u", email: "u@x.y", password_hash: "x", created_at: 1, last_seen: null }).returning("id").executeTakeFirstOrThrow();
    for (let i = 0; i < 12; i++) await handle.db.insertInto("rooms").values({ name: `r${i}`, description: "", is_private: 0, created_by: user.id, created_at: i, deleted_at: null }).execute();
    // Kysely as it is, without the plugin, on a second connection to the same file.
    plain = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(join(dir, "chat.db")) }) });
  });
  afterAll(async () => {
    await plain.destroy();
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const page = (db: Kysely<Database>, limit: number, offset: number) => db.selectFrom("rooms").select(["id", "name"]).orderBy("id").limit(limit).offset(offset);

  it("prepares a bare limit ? and offset ? as cast(? as integer), and nothing inside quotes", () => {
    expect(castLimits(`select "id" from "rooms" order by "id" limit ? offset ?`)).toBe(`select "id" from "rooms" order by "id" limit cast(? as integer) offset cast(? as integer)`);
    expect(castLimits(`select (select 1 from "a" limit ?) as "x" from "b" limit ?`)).toBe(`select (select 1 from "a" limit cast(? as integer)) as "x" from "b" limit cast(? as integer)`);
    const quoted = `select 'it''s a limit ?' as " limit ?", "x" from "t" where "y" = ' offset ?' limit ?`;
    expect(castLimits(quoted)).toBe(`select 'it''s a limit ?' as " limit ?", "x" from "t" where "y" = ' offset ?' limit cast(? as integer)`);
    const none = `select "id" from "rooms" where "id" = ?`;
    expect(castLimits(none)).toBe(none);
    // Kysely's own text is unchanged: the rewrite happens as it is prepared.
    expect(page(handle.db, 5, 2).compile().sql).toMatch(/limit \? offset \?$/);
  });

  it("returns the same rows as the plain query, for every limit and offset tried", async () => {
    for (const limit of [0, 1, 3, 12, 50, -1]) {
      for (const offset of [0, 2, 11, 20]) {
        expect(await page(handle.db, limit, offset).execute(), `limit ${limit} offset ${offset}`).toEqual(await page(plain, limit, offset).execute());
      }
    }
    // In a subquery too.
    const inner = (db: Kysely<Database>) =>
      db
        .selectFrom("rooms as r")
        .select((eb) => ["r.id", eb.selectFrom("rooms as s").select("s.name").whereRef("s.id", ">", "r.id").orderBy("s.id").limit(1).as("next")])
        .orderBy("r.id")
        .limit(4);
    expect(await inner(handle.db).execute()).toEqual(await inner(plain).execute());
  });
});
