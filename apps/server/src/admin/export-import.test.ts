import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import yazl from "yazl";
import { httpApi, registerUser, signInAdmin, startTestServer } from "../test/harness.ts";
import { runAdmin } from "./test-cli.ts";

/**
 * `parley-admin export` and `import`: a workspace exported, imported into a
 * fresh database and exported again is the same, file for file; a Slack
 * export ZIP (built here in Slack's documented layout) imports with its
 * channels, users, threads, reactions and files, and round-trips the same.
 */

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "parley-export-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ok = (r: { code: number | null; stderr: string; stdout: string }) => expect([r.code, r.stderr]).toEqual([0, ""]);
const ndjson = (dir: string, name: string) =>
  readFileSync(join(dir, `${name}.ndjson`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Exports `db` to a new directory and imports that into a new database: the new database's file. */
async function exportAndReimport(db: string): Promise<{ first: string; second: string }> {
  const first = join(tempDir(), "export");
  ok(await runAdmin(["export", first], { DATABASE_URL: db }));
  const target = join(tempDir(), "chat.db");
  ok(await runAdmin(["import", first], { DATABASE_URL: target }));
  const second = join(tempDir(), "export");
  ok(await runAdmin(["export", second], { DATABASE_URL: target }));
  return { first, second };
}

function expectSameExport(a: string, b: string) {
  const files = readdirSync(a).filter((f) => f.endsWith(".ndjson")).sort();
  expect(files).toEqual(["attachments.ndjson", "members.ndjson", "messages.ndjson", "reactions.ndjson", "rooms.ndjson", "threads.ndjson", "users.ndjson"]);
  expect(readdirSync(b).sort()).toEqual(readdirSync(a).sort());
  for (const f of files) expect([f, readFileSync(join(b, f), "utf8")]).toEqual([f, readFileSync(join(a, f), "utf8")]);
}

describe("Parley export and re-import", () => {
  it("gives an identical workspace, without secrets", async () => {
    const dir = tempDir();
    const server = await startTestServer({}, dir);
    const [alice, bob] = await Promise.all([registerUser(server, "exa"), registerUser(server, "exb")]);
    const room = await alice.http.rooms.create.mutate({ name: "exported", description: "with everything" });
    const secret = await alice.http.rooms.create.mutate({ name: "private one", isPrivate: true });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const root = await alice.http.messages.send.mutate({ roomId: room.id, content: "root message", clientId: "e1" });
    await bob.http.messages.send.mutate({ roomId: room.id, content: "a reply", clientId: "e2", threadId: root.id });
    await bob.http.messages.send.mutate({ roomId: room.id, content: "a loud reply", clientId: "e3", threadId: root.id, alsoToRoom: true });
    await alice.http.messages.edit.mutate({ messageId: root.id, content: "root message, edited" });
    await bob.http.messages.react.mutate({ messageId: root.id, emoji: "👍" });
    await alice.http.messages.react.mutate({ messageId: root.id, emoji: ":tada:" });
    const gone = await bob.http.messages.send.mutate({ roomId: room.id, content: "deleted later", clientId: "e4" });
    await bob.http.messages.delete.mutate({ messageId: gone.id });
    await alice.http.messages.send.mutate({ roomId: secret.id, content: "private words", clientId: "e5" });
    await alice.http.dms.open.mutate({ userIds: [bob.id] });
    await alice.http.rooms.update.mutate({ roomId: room.id, slowModeSeconds: 30 });
    await (await signInAdmin(server)).http.admin.users.deactivate.mutate({ userId: bob.id });
    await server.dispose();

    const { first, second } = await exportAndReimport(join(dir, "chat.db"));
    expectSameExport(first, second);
    const all = readdirSync(first)
      .map((f) => (f.endsWith(".ndjson") ? readFileSync(join(first, f), "utf8") : ""))
      .join("\n");
    expect(all).not.toMatch(/\$2[aby]\$/);
    expect(all).not.toMatch(/password|token/i);
    const messages = ndjson(first, "messages");
    expect(messages.find((m) => m.id === root.id)).toMatchObject({ content: "root message, edited", rev: 2, revisions: [{ rev: 1, content: "root message" }] });
    expect(messages.find((m) => m.id === gone.id)).toMatchObject({ content: "", deletedAt: expect.any(Number) });
    expect(ndjson(first, "threads")).toEqual([{ rootId: root.id, replyCount: 2, lastReplyAt: expect.any(Number), participants: [{ userId: bob.id, firstAt: expect.any(Number) }] }]);
    expect(ndjson(first, "reactions").map((r) => r.emoji)).toEqual(["👍", "🎉"]);
    expect(ndjson(first, "users").find((u) => u.id === bob.id)).toMatchObject({ username: bob.username, deactivatedAt: expect.any(Number) });
  }, 120_000);

  it("refuses to import into a database that is not empty, or a damaged export, and names the bad line", async () => {
    const dir = tempDir();
    const server = await startTestServer({}, dir);
    await server.dispose();
    const out = join(tempDir(), "export");
    ok(await runAdmin(["export", out], { DATABASE_URL: join(dir, "chat.db") }));
    const notEmpty = await runAdmin(["import", out], { DATABASE_URL: join(dir, "chat.db") });
    expect([notEmpty.code, notEmpty.stderr]).toEqual([1, expect.stringMatching(/not empty/)]);
    const broken = join(out, "users.ndjson");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(broken, `${readFileSync(broken, "utf8")}{"id":"x"}\n`);
    const damaged = await runAdmin(["import", out], { DATABASE_URL: join(tempDir(), "chat.db") });
    expect([damaged.code, damaged.stderr]).toEqual([1, expect.stringMatching(/users\.ndjson: record 2: id/)]);
  }, 60_000);
});

/** A ZIP in the layout of Slack's "Export data": top-level JSON lists and a folder of days per conversation. */
async function slackZip(file: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const add = (name: string, value: unknown) => zip.addBuffer(Buffer.from(JSON.stringify(value)), name);
  add("users.json", [
    { id: "U1", name: "ada.l", is_owner: true, profile: { email: "ada@team.example", real_name: "Ada" } },
    { id: "U2", name: "grace", profile: { email: "grace@team.example" } },
    { id: "U3", name: "gone", deleted: true, profile: {} },
  ]);
  add("channels.json", [
    { id: "C1", name: "general", created: 1700000000, creator: "U1", members: ["U1", "U2", "U3"], purpose: { value: "Company-wide" } },
    { id: "C2", name: "old-stuff", created: 1700000100, creator: "U2", is_archived: true, members: ["U2"] },
  ]);
  add("groups.json", [{ id: "G1", name: "leads", created: 1700000200, creator: "U1", members: ["U1", "U2"] }]);
  add("dms.json", [{ id: "D1", created: 1700000300, members: ["U1", "U2"] }]);
  add("mpims.json", []);
  add("general/2023-11-14.json", [
    { type: "message", subtype: "channel_join", user: "U2", text: "<@U2> has joined the channel", ts: "1700000001.000100" },
    { type: "message", user: "U1", text: "Hello <@U2> &amp; welcome to <#C2|old-stuff>: <https://example.com|our site>", ts: "1700000002.000200", reactions: [{ name: "thumbsup", users: ["U2", "U3"], count: 2 }, { name: "not-an-emoji", users: ["U2"], count: 1 }] },
    { type: "message", user: "U2", text: "a reply in the thread", ts: "1700000003.000300", thread_ts: "1700000002.000200" },
    { type: "message", user: "U1", text: "fixed typo", ts: "1700000004.000400", edited: { user: "U1", ts: "1700000005.000000" }, files: [{ id: "F1", name: "plan.pdf", title: "The plan", url_private: "https://files.slack.com/plan.pdf" }] },
  ]);
  add("general/2023-11-15.json", [{ type: "message", user: "U3", text: "a day later", ts: "1700086400.000100" }]);
  add("leads/2023-11-14.json", [{ type: "message", user: "U1", text: "private plans", ts: "1700000201.000000" }]);
  add("D1/2023-11-14.json", [{ type: "message", user: "U2", text: "psst", ts: "1700000301.000000" }]);
  zip.end();
  const out = createWriteStream(file);
  zip.outputStream.pipe(out);
  await once(out, "close");
}

describe("Slack import", () => {
  it("brings channels, users, messages, threads, reactions and files, then round-trips identically", async () => {
    const zip = join(tempDir(), "slack-export.zip");
    await slackZip(zip);
    const dir = tempDir();
    const db = join(dir, "chat.db");
    const imported = await runAdmin(["import", zip], { DATABASE_URL: db });
    ok(imported);
    expect(imported.stdout).toMatch(/3 users, 4 rooms, 8 members, 7 messages, 2 reactions, 1 threads/);

    const { first, second } = await exportAndReimport(db);
    expectSameExport(first, second);
    expect(ndjson(first, "users").map((u) => [u.username, u.email, u.role, u.deactivatedAt === null])).toEqual([
      ["ada.l", "ada@team.example", "admin", true],
      ["grace", "grace@team.example", "member", true],
      ["gone", "gone@slack-import.invalid", "member", false],
    ]);
    expect(ndjson(first, "rooms").map((r) => [r.name, r.kind, r.isPrivate, r.description])).toEqual([
      ["general", "channel", false, "Company-wide"],
      ["old-stuff", "channel", false, "(archived in Slack)"],
      ["leads", "channel", true, ""],
      ["", "dm", true, ""],
    ]);
    const messages = ndjson(first, "messages");
    expect(messages.map((m) => [m.roomId, m.kind, m.content, m.threadId, m.rev])).toEqual([
      [1, "system", "@grace has joined the channel", null, 1],
      [1, "text", "Hello @grace & welcome to #old-stuff: our site (https://example.com)", null, 1],
      [1, "text", "a reply in the thread", 2, 1],
      [1, "text", "fixed typo\n📎 The plan (https://files.slack.com/plan.pdf)", null, 2],
      [1, "text", "a day later", null, 1],
      [3, "text", "private plans", null, 1],
      [4, "text", "psst", null, 1],
    ]);
    expect(ndjson(first, "threads")).toEqual([{ rootId: 2, replyCount: 1, lastReplyAt: 1700000003000, participants: [{ userId: 2, firstAt: 1700000003000 }] }]);
    expect(ndjson(first, "reactions").map((r) => [r.messageId, r.emoji, r.userId])).toEqual([
      [2, "👍", 2],
      [2, "👍", 3],
    ]);

    // Imported accounts have no password until an admin sets one; then the server serves the workspace.
    ok(await runAdmin(["password", "ada.l"], { DATABASE_URL: db }, "a new password\n"));
    const server = await startTestServer({}, dir);
    try {
      const ada = await httpApi(server).auth.login.mutate({ username: "ada.l", password: "a new password" });
      expect(ada.user.role).toBe("admin");
      const api = httpApi(server, ada.accessToken);
      const general = await api.messages.list.query({ roomId: 1 });
      expect(general.items.map((m) => m.content)).toContain("a day later");
      expect(general.items.find((m) => m.id === 2)?.thread?.replyCount).toBe(1);
      expect(await httpApi(server).auth.login.mutate({ username: "grace", password: "!" }).catch(() => "refused")).toBe("refused");
    } finally {
      await server.dispose();
    }
  }, 120_000);

  it("refuses a ZIP that is not a Slack export", async () => {
    const file = join(tempDir(), "other.zip");
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from("hello"), "readme.txt");
    zip.end();
    const out = createWriteStream(file);
    zip.outputStream.pipe(out);
    await once(out, "close");
    const r = await runAdmin(["import", file], { DATABASE_URL: join(tempDir(), "chat.db") });
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/not a Slack export/)]);
  });
});
