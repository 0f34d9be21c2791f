import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompiledQuery } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, openSqlite, type ParleyDb } from "../connect.ts";
import { insertUser, searchUsersByPrefix, searchUsersByPrefixQuery } from "./users.ts";

const open: ParleyDb[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function fresh(): Promise<ParleyDb> {
  const dir = mkdtempSync(join(tmpdir(), "parley-users-"));
  dirs.push(dir);
  const h = openSqlite({ filename: join(dir, "chat.db") });
  open.push(h);
  await migrate(h);
  return h;
}

describe("people search", () => {
  it("is a range on the username key's index, never a scan", async () => {
    const h = await fresh();
    const compiled = searchUsersByPrefixQuery(h.db, { prefix: "ab", limit: 10 }).compile();
    const plan = await h.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
    expect(plan.rows.map((r) => r.detail).join("\n")).toMatch(/SEARCH users USING (COVERING )?INDEX \S+ \(username_key>\? AND username_key<\?\)/);
  });

  it("matches a prefix bytewise, punctuation included, in key order", async () => {
    const h = await fresh();
    for (const name of ["ab", "a-b", "a.b", "ab-c", "abc", "ac", "b"]) {
      await insertUser(h.db, { username: name, usernameKey: name, email: `${name}@x.y`, passwordHash: "x", now: 1 });
    }
    const names = async (prefix: string, limit = 10) => (await searchUsersByPrefix(h.db, { prefix, limit })).map((u) => u.username);
    expect(await names("ab")).toEqual(["ab", "ab-c", "abc"]);
    expect(await names("a-")).toEqual(["a-b"]);
    expect(await names("a")).toEqual(["a-b", "a.b", "ab", "ab-c", "abc", "ac"]);
    expect(await names("a", 2)).toEqual(["a-b", "a.b"]);
    expect(await names("abcd")).toEqual([]);
  });
});
