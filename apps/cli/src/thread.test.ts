import { spawn } from "node:child_process";
import { afterAll, describe, expect, test } from "vitest";
import { useCli } from "./test/cli.ts";

const cli = useCli("thread");
const { bin, envFor, parley, until } = cli;
const stops: (() => void)[] = [];
afterAll(() => {
  for (const stop of stops) stop();
});

const idOf = (stdout: string) => Number(/^sent #(\d+)/.exec(stdout)?.[1]);
const strip = (line: string) => line.replace(/\[[\d:]+\] /, "");

describe("parley thread", () => {
  test("send --thread replies in a thread, thread prints it, and tail shows only the room's timeline", async () => {
    expect((await parley("ann", "register", "-u", "ann", "--email", "ann@example.test", "-p", "password123")).code).toBe(0);
    expect((await parley("ben", "register", "-u", "ben", "--email", "ben@example.test", "-p", "password123")).code).toBe(0);
    await parley("ann", "create", "team");
    await parley("ben", "join", "team");

    const tail = spawn(process.execPath, [bin, "tail", "team", "-n", "0"], { env: envFor("ann"), stdio: ["ignore", "pipe", "pipe"] });
    stops.push(() => tail.kill("SIGKILL"));
    let out = "";
    let err = "";
    tail.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    tail.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    await until(() => err.includes("-- tailing team"), "tail running");

    const root = idOf((await parley("ann", "send", "team", "release today?")).stdout);
    const first = await parley("ben", "send", "team", "--thread", String(root), "yes, at five");
    expect(first.stdout).toMatch(new RegExp(`^sent #\\d+ to team in thread #${root}`));
    // A reply to a reply lands in the root's thread.
    const nested = await parley("ann", "send", "team", "--thread", `#${idOf(first.stdout)}`, "thanks");
    expect(nested.stdout).toContain(`in thread #${root}`);
    expect((await parley("ben", "send", "team", "--thread", String(root), "--also-to-room", "shipping at five")).code).toBe(0);

    // The also-to-room reply comes last: once tail prints it, the thread-only ones would have come before.
    await until(() => out.includes("shipping at five"), "the reply also sent to the room");
    expect(out.trim().split("\n").map(strip)).toEqual(["ann: release today?", "ben: shipping at five"]);
    tail.kill("SIGINT");

    const thread = await parley("ben", "thread", "team", String(root));
    expect(thread.code, thread.stderr).toBe(0);
    expect(thread.stdout.trimEnd().split("\n").map(strip)).toEqual([
      "ann: release today?  (3 replies)",
      "  ben: yes, at five",
      "  ann: thanks",
      "  ben: shipping at five",
    ]);
    const json = await parley("ben", "thread", "team", String(root), "--json");
    expect(json.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { threadId: number | null }).threadId)).toEqual([null, root, root, root]);
  });

  test("the echo bot answers a thread reply in its thread", async () => {
    const bot = spawn(process.execPath, [bin, "bot", "echo", "team"], { env: envFor("ben"), stdio: ["ignore", "pipe", "pipe"] });
    stops.push(() => bot.kill("SIGKILL"));
    let botErr = "";
    bot.stderr.on("data", (c: Buffer) => {
      botErr += c.toString();
    });
    await until(() => botErr.includes("listening"), "bot listening");
    const root = idOf((await parley("ann", "send", "team", "thread for the bot")).stdout);
    await parley("ann", "send", "team", "--thread", String(root), "ping");
    // Polls `parley thread` until the echo is there (deadline 10 s).
    let seen: string[] = [];
    for (const end = Date.now() + 10_000; !seen.includes("  ben: echo: ping"); ) {
      if (Date.now() > end) throw new Error(`no echo in the thread: ${JSON.stringify(seen)}`);
      seen = (await parley("ann", "thread", "team", String(root))).stdout.trimEnd().split("\n").map(strip);
    }
    expect(seen).toEqual(["ann: thread for the bot  (2 replies)", "  ann: ping", "  ben: echo: ping"]);
    bot.kill("SIGTERM");
  });

  test("thread and send --thread explain what they refuse", async () => {
    expect((await parley("ann", "thread", "team", "abc")).code).toBe(2);
    const missing = await parley("ann", "thread", "team", "999999");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NOT_FOUND");
    const refused = await parley("ann", "send", "team", "--thread", "999999", "to nothing");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused (NOT_FOUND)");
    expect((await parley("ann", "send", "team", "--also-to-room", "no thread")).code).toBe(2);
    expect((await parley("ann", "send", "team", "--thread", "x1", "bad id")).code).toBe(2);
  });
});
