import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { useCli } from "./test/cli.ts";

const cli = useCli("dm");
const { bin, envFor, parley, until } = cli;

describe("parley dm", () => {
  test("sends to the DM of the named people, the same room every time, which they see and read", async () => {
    for (const u of ["dmalice", "dmbob", "dmcarol"]) {
      expect((await parley(u, "register", "-u", u, "--email", `${u}@example.test`, "-p", "password123")).code).toBe(0);
    }
    const first = await parley("dmalice", "dm", "dmbob", "hello bob");
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^sent #\d+ to @dmbob\n$/) });
    expect((await parley("dmalice", "dm", "@DMBob", "again")).stdout).toMatch(/to @dmbob/);
    const dms = (await parley("dmbob", "rooms", "--json")).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: number; kind: string; members?: { username: string }[] })
      .filter((r) => r.kind === "dm");
    expect(dms.map((r) => r.members?.map((m) => m.username).sort())).toEqual([["dmalice", "dmbob"]]);
    const dm = dms[0];
    if (!dm) throw new Error("no DM");
    expect((await parley("dmbob", "rooms")).stdout).toContain(`#${dm.id}\t@dmalice\t2 members\tprivate\tjoined`);
    // Bob reads both messages there.
    const tail = spawn(process.execPath, [bin, "tail", `#${dm.id}`, "-n", "10"], { env: envFor("dmbob"), stdio: ["ignore", "pipe", "pipe"] });
    cli.track(tail);
    let out = "";
    tail.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    await until(() => out.includes("dmalice: hello bob") && out.includes("dmalice: again"), "bob's tail of the DM");
    tail.kill("SIGTERM");
    // A group DM and a note to self.
    expect((await parley("dmcarol", "dm", "dmalice,dmbob", "all three")).stdout).toMatch(/to @dmalice, @dmbob/);
    expect((await parley("dmcarol", "dm", "dmcarol", "note")).stdout).toMatch(/to \(note to self\)/);
    expect((await parley("dmcarol", "rooms")).stdout).toContain("(note to self)\t1 member");
  });

  test("names who could not be found, and says how to quote a message", async () => {
    const missing = await parley("dmalice", "dm", "nobody-here", "hi");
    expect(missing).toMatchObject({ code: 1, stderr: 'parley: no user named "nobody-here"\n' });
    const unquoted = await parley("dmalice", "dm", "dmbob", "hello", "there");
    expect(unquoted.code).toBe(1);
    expect(unquoted.stderr).toContain('no user named "hello" (quote the message');
    expect((await parley("dmalice", "dm", "dmbob")).code).toBe(2);
  });
});
