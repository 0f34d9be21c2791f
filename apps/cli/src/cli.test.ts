import { execFile, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ServerProcess } from "@parley/client/testing";
import { useCli } from "./test/cli.ts";

const cli = useCli("test");
const { bin, envFor, parley, parleyWithInput, start, until } = cli;

describe("parley CLI", () => {
  test("tail prints what send sends, once each and in order, across a server crash", async () => {
    expect((await parley("alice", "register", "-u", "alice", "--email", "alice@example.test", "-p", "password123")).stdout).toContain(
      "signed in",
    );
    expect((await parley("alice", "create", "general")).stdout).toMatch(/^created #\d+ general/);
    const rooms = await parley("alice", "rooms");
    expect(rooms.stdout).toMatch(/#\d+\tgeneral\t1 member\tjoined/);

    const tail = start("alice", "tail", "general", "-n", "0");
    await until(() => tail.stderr().includes("-- tailing general"), "tail running");
    for (const text of ["one", "two", "three"]) {
      const r = await parley("alice", "send", "general", text);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^sent #\d+ to general/);
    }
    await until(() => tail.lines.length >= 3, "three lines");

    // The server dies; tail reconnects and resumes; send gets through once it is back.
    await cli.server.kill("SIGKILL");
    await cli.server.start();
    const r = await parley("alice", "send", "#1", "after the crash");
    expect(r.code).toBe(0);
    // A marker sent last: tail prints in stream order, so any duplicate of the earlier lines would come before it.
    expect((await parley("alice", "send", "#1", "marker")).code).toBe(0);
    await until(() => tail.lines.some((l) => l.endsWith("alice: marker")), "the marker");
    expect(tail.lines.map((l) => l.replace(/^\[[\d:]+\] /, ""))).toEqual([
      "alice: one",
      "alice: two",
      "alice: three",
      "alice: after the crash",
      "alice: marker",
    ]);
    expect(tail.stderr()).toContain("reconnecting");

    tail.child.kill("SIGINT");
    expect(await tail.exited).toBe(0);
  });

  test("the echo bot answers others, and send explains a refusal", async () => {
    await parley("bob", "register", "-u", "bob", "--email", "bob@example.test", "-p", "password123");
    const bot = start("bob", "bot", "echo", "general");
    await until(() => bot.stderr().includes("listening"), "bot listening");
    const tail = start("alice", "tail", "general", "-n", "0");
    await until(() => tail.stderr().includes("-- tailing general"), "tail running");
    await parley("alice", "send", "general", "ping");
    await until(() => tail.lines.some((l) => l.endsWith("bob: echo: ping")), "the echo");
    // The bot prints its line when its send is acknowledged, which may come after the tail has the echo.
    await until(() => bot.lines.some((l) => /^replied #\d+ to #\d+$/.test(l)), "the bot's report of its reply");
    bot.child.kill("SIGTERM");
    tail.child.kill("SIGTERM");
    await Promise.all([bot.exited, tail.exited]);

    const tooLong = await parley("alice", "send", "general", "x".repeat(4001));
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain("refused (BAD_REQUEST)");
    const unknown = await parley("alice", "send", "nowhere", "hi");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no room named "nowhere"');
    // Saved tokens for a server that is not there: a one-shot command gives up instead of waiting forever.
    const saved: Record<string, unknown> = JSON.parse(readFileSync(join(cli.home(), "alice", "credentials.json"), "utf8"));
    mkdirSync(join(cli.home(), "dead"));
    writeFileSync(join(cli.home(), "dead", "credentials.json"), JSON.stringify({ "http://127.0.0.1:9": saved[cli.server.url] }));
    const unreachable = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [bin, "send", "general", "hi", "--timeout", "2", "--server", "http://127.0.0.1:9"],
        { env: { ...envFor("alice"), PARLEY_CONFIG: join(cli.home(), "dead") } },
        (err, _out, stderr) => done({ code: err ? 1 : 0, stderr }),
      ),
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach http://127.0.0.1:9");
    const nobody = await parley("carol", "rooms");
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("parley login");
  });

  test("shows control characters and bidi controls from the server as visible escapes, in every output", async () => {
    // What a member can put in front of another member's terminal: each must reach stdout as text, never as a control.
    const hostile: [string, string][] = [
      ["\x1b[2J\x1b[Hclear", "\\x1b[2J\\x1b[Hclear"],
      ["\x1b]52;c;cm0gLXJmIH4=\x07clipboard", "\\x1b]52;c;cm0gLXJmIH4=\\x07clipboard"],
      ["\x1b]0;owned\x1b\\title", "\\x1b]0;owned\\x1b\\title"],
      ["\u009b31mc1 csi\u009d0;t\u009c", "\\u009b31mc1 csi\\u009d0;t\\u009c"],
      ["gpj\u202eexe.jpg\u202c", "gpj\\u202eexe.jpg\\u202c"],
      ["\u2066isolated\u2069 \u2067rtl\u2068fsi", "\\u2066isolated\\u2069 \\u2067rtl\\u2068fsi"],
      ["over\rwritten\x08\x7f\x01", "over\\x0dwritten\\x08\\u007f\\x01"],
      ["tabs\tand\nnewlines stay", "tabs\tand\nnewlines stay"],
    ];
    await parley("mallory", "register", "-u", "mallory", "--email", "mallory@example.test", "-p", "password123");
    // No bidi control in the name: the server refuses those in names (they are tested in messages).
    const roomName = "evil\x1b]0;title\x07\x1b[31mroom";
    const shownName = "evil\\x1b]0;title\\x07\\x1b[31mroom";
    const created = await parley("mallory", "create", roomName);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`${shownName}\n`);
    const roomId = /^created #(\d+) /.exec(created.stdout)?.[1] ?? "";
    await parley("alice", "join", `#${roomId}`);

    const tail = start("alice", "tail", `#${roomId}`, "-n", "0");
    const json = start("alice", "tail", `#${roomId}`, "-n", "0", "--json");
    await until(() => tail.stderr().includes("-- tailing") && json.stderr().includes("-- tailing"), "both tails running");
    for (const [text] of hostile) expect((await parleyWithInput("mallory", text, "send", `#${roomId}`, "-")).code).toBe(0);
    await parley("mallory", "send", `#${roomId}`, "the end");
    await until(() => tail.lines.some((l) => l.endsWith("mallory: the end")), "the last message in text");
    await until(() => json.lines.some((l) => l.includes('"content":"the end"')), "the last message in JSON");

    const lines = (tail.lines.join("\n").match(/\] mallory: [\s\S]*?(?=\n\[|$)/g) ?? []).map((l) => l.replace(/^\] mallory: /, ""));
    expect(lines).toEqual([...hostile.map(([, shown]) => shown), "the end"]);
    expect(tail.stderr()).toContain(`-- tailing ${shownName}`);
    // --json stays valid JSON carrying the exact text: C0 is escaped by JSON itself, the rest as \u escapes.
    expect(json.lines.map((l) => (JSON.parse(l) as { content: string }).content)).toEqual([...hostile.map(([text]) => text), "the end"]);

    const rooms = await parley("alice", "rooms");
    expect(rooms.stdout).toContain(`\t${shownName}\t`);
    // An error that carries server text (a room name) on stderr.
    const notIn = await parley("bob", "tail", `#${roomId}`);
    expect(notIn.code).toBe(1);
    expect(notIn.stderr).toContain(`you are not in ${shownName}`);

    const everything = [tail.lines.join("\n"), tail.stderr(), json.lines.join("\n"), json.stderr(), created.stdout, rooms.stdout, notIn.stderr];
    for (const out of everything) {
      // No C0 but tab and newline, no DEL or C1, no bidi control.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u);
    }
    tail.child.kill("SIGINT");
    json.child.kill("SIGINT");
    await Promise.all([tail.exited, json.exited]);
  });

  test("edit and delete change a message sent from the CLI, and explain a refusal", async () => {
    const sent = await parley("alice", "send", "general", "--json", "draft text");
    const id = (JSON.parse(sent.stdout) as { id: number }).id;
    const edited = await parley("alice", "edit", `#${id}`, "final", "text");
    expect(edited.stdout.trim()).toBe(`edited #${id} (rev 2)`);
    const json = await parley("alice", "edit", String(id), "--json", "final text");
    expect(JSON.parse(json.stdout)).toMatchObject({ id, content: "final text", rev: 2 });
    const notYours = await parley("bob", "delete", String(id));
    expect(notYours.code).toBe(1);
    expect(notYours.stderr).toContain("refused (FORBIDDEN)");
    expect((await parley("alice", "delete", String(id))).stdout.trim()).toBe(`deleted #${id}`);
    const gone = await parley("alice", "edit", String(id), "again");
    expect(gone.stderr).toContain("refused (CONFLICT)");
    const bad = await parley("alice", "delete", "latest");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not a message id");
  });

  test("react adds and removes a reaction by emoji or :shortcode:, says when nothing changed, and explains a refusal", async () => {
    const sent = await parley("alice", "send", "general", "react to me", "--json");
    const id = (JSON.parse(sent.stdout) as { id: number }).id;
    expect((await parley("alice", "react", `#${id}`, ":thumbsup:")).stdout.trim()).toBe(`reacted 👍 to #${id} (1)`);
    expect((await parley("bob", "react", String(id), "👍")).stdout.trim()).toBe(`reacted 👍 to #${id} (2)`);
    expect((await parley("bob", "react", String(id), "👍\uFE0F")).stdout.trim()).toBe(`already 👍 on #${id} (2)`);
    expect((await parley("bob", "react", String(id), "👍", "--remove")).stdout.trim()).toBe(`removed 👍 from #${id} (1)`);
    const bad = await parley("alice", "react", String(id), "hello");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("refused (BAD_REQUEST): Not an emoji");
    const notAnId = await parley("alice", "react", "general", "👍");
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain('"general" is not a message id');
  });

  test("unread lists the rooms with unread messages, mentions counted", async () => {
    expect((await parley("carol", "register", "-u", "carol", "--email", "carol@example.test", "-p", "password123")).code).toBe(0);
    expect((await parley("carol", "unread")).stderr).toContain("nothing unread");
    expect((await parley("carol", "join", "general")).code).toBe(0);
    expect((await parley("alice", "send", "general", "plain")).code).toBe(0);
    expect((await parley("alice", "send", "general", "@carol have a look")).code).toBe(0);
    expect((await parley("carol", "unread")).stdout).toMatch(/^#\d+\tgeneral\t2 unread\t1 mention\n$/);
    const json = JSON.parse((await parley("carol", "unread", "--json")).stdout) as { unreadCount: number; mentionCount: number };
    expect(json).toMatchObject({ name: "general", unreadCount: 2, mentionCount: 1, muted: false });
  });

  test("several parley processes share one session through token refreshes without revoking it", async () => {
    await using short = new ServerProcess({ ACCESS_TOKEN_TTL: "2s", DEFAULT_ROOM: "" });
    await short.start();
    const env = { PATH: process.env.PATH ?? "", PARLEY_URL: short.url, PARLEY_CONFIG: join(cli.home(), "carol") };
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile(process.execPath, [bin, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) =>
          done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        ),
      );
    expect((await run("register", "-u", "carol", "--email", "carol@example.test", "-p", "password123")).code).toBe(0);
    expect((await run("create", "short")).code).toBe(0);
    const tail = spawn(process.execPath, [bin, "tail", "short", "-n", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    cli.track(tail);
    let out = "";
    let err = "";
    tail.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    tail.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    await until(() => err.includes("-- tailing short"), "tail running");
    for (let i = 0; i < 6; i++) {
      const r = await run("send", "short", `tick ${i}`);
      expect(r.code, r.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
    }
    await until(() => out.includes("tick 5"), "the last tick");
    expect(out.trim().split("\n").map((l) => l.replace(/^\[[\d:]+\] /, ""))).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => `carol: tick ${i}`),
    );
    expect(err).not.toContain("signed out");
    tail.kill("SIGINT");
  });
});

