import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { useCli } from "./test/cli.ts";

const cli = useCli("integrations");
const { bin, envFor, parley, until, track } = cli;

describe("parley token, webhook and bot", () => {
  test("tokens are created, listed and revoked; a webhook URL posts; a bot file runs on a bot's token", async () => {
    expect((await parley("ivy", "register", "-u", "ivy", "--email", "ivy@example.test", "-p", "password123")).code).toBe(0);
    await parley("ivy", "create", "integrations");

    const created = await parley("ivy", "token", "create", "ci", "--scopes", "read,write", "--expires", "30d");
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^parley_pat_/);
    const listed = JSON.parse((await parley("ivy", "token", "list", "--json")).stdout) as { id: number; name: string; scopes: string[] }[];
    expect(listed.map((t) => [t.name, t.scopes])).toEqual([["ci", ["read", "write"]]]);
    expect((await parley("ivy", "token", "create", "bad", "--scopes", "everything")).code).toBe(2);
    expect((await parley("ivy", "token", "revoke", String(listed[0]?.id))).stdout).toContain("revoked token");
    expect(JSON.parse((await parley("ivy", "token", "list", "--json")).stdout)).toEqual([]);

    const hook = await parley("ivy", "webhook", "create", "integrations", "CI", "builds");
    expect(hook.code).toBe(0);
    const url = hook.stdout.trim();
    expect(url).toMatch(new RegExp(`^${cli.server.url}/hooks/`));
    const posted = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "from curl" }) });
    expect(posted.status).toBe(200);

    expect((await parley("ivy", "bot", "create", "cli-bot")).code).toBe(0);
    const botToken = (await parley("ivy", "token", "create", "cli-bot", "--scopes", "read,write", "--bot", "cli-bot")).stdout.trim();
    // Bots join rooms only when added by an admin: through the API, as the owner, with an admin token.
    const admin = (await parley("ivy", "token", "create", "admin", "--scopes", "admin")).stdout.trim();
    const rooms = (await (await fetch(`${cli.server.url}/trpc/rooms.list`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      result: { data: { id: number; name: string }[] };
    };
    const roomId = rooms.result.data.find((r) => r.name === "integrations")?.id;
    const add = await fetch(`${cli.server.url}/trpc/rooms.addMember`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ roomId, username: "cli-bot" }),
    });
    expect(add.status).toBe(200);

    const file = join(cli.home(), "shout.mjs");
    writeFileSync(file, `export default (client) => client.onMessage({}, ({ message, reply }) => reply(message.content.toUpperCase()));\n`);
    const bot = track(spawn(process.execPath, [bin, "bot", file], { env: { ...envFor("ivy"), PARLEY_TOKEN: botToken }, stdio: ["ignore", "pipe", "pipe"] }));
    let err = "";
    bot.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    await until(() => err.includes("running as cli-bot"), "bot running");
    const tail = cli.start("ivy", "tail", "integrations", "-n", "0");
    await until(() => tail.stderr().includes("-- tailing integrations"), "tail running");
    await parley("ivy", "send", "integrations", "hello bot");
    await until(() => tail.lines.some((l) => l.includes("cli-bot") && l.includes("HELLO BOT")), "the bot's answer");
    bot.kill("SIGTERM");
  });
});
