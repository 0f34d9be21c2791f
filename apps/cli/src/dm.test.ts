import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ServerProcess } from "@parley/client/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const cliDir = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const bin = join(cliDir, "dist/parley.js");

let server: ServerProcess;
let home: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, ["build.mjs"], { cwd: cliDir });
  server = new ServerProcess();
  await server.start();
  home = mkdtempSync(join(tmpdir(), "parley-cli-dm-"));
});

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await server[Symbol.asyncDispose]();
  rmSync(home, { recursive: true, force: true });
});

const envFor = (user: string) => ({ PATH: process.env.PATH ?? "", PARLEY_URL: server.url, PARLEY_CONFIG: join(home, user) });

function parley(user: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env: envFor(user), timeout: 20_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function until(check: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

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
    children.push(tail);
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
