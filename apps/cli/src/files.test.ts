import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dashIdAsPositional, dispositionName } from "./files.ts";
import { useCli } from "./test/cli.ts";

const { parley } = useCli("files");

describe("parley send --file and parley download", () => {
  test("a file sent with a message downloads back byte for byte, and download never overwrites", async () => {
    await parley("ada", "register", "-u", "ada", "--email", "ada@example.test", "-p", "password123");
    await parley("ada", "create", "files");
    const dir = mkdtempSync(join(tmpdir(), "parley-cli-files-"));
    const path = join(dir, "notes.txt");
    writeFileSync(path, "line one\nline two\n");
    const sent = await parley("ada", "send", "files", "see attached", "--file", path, "--json");
    expect(sent.code).toBe(0);
    const message = JSON.parse(sent.stdout) as { content: string; attachments: { id: string; name: string; size: number }[] };
    expect(message.content).toBe("see attached");
    expect(message.attachments).toMatchObject([{ name: "notes.txt", size: 18 }]);
    const id = message.attachments[0]?.id ?? "";
    const out = join(dir, "copy.txt");
    const got = await parley("ada", "download", id, "-o", out);
    // With its stderr as the message, so a failure says why (it exited 1 in CI on 2026-12-02 and 12-03,
    // and toMatchObject hid the stderr both times).
    expect(got.code, `stderr: ${got.stderr}`).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("line one\nline two\n");
    const again = await parley("ada", "download", id, "-o", "-");
    expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({ code: 0, stdout: "line one\nline two\n", stderr: "" });
    expect((await parley("ada", "download", "AAAAAAAAAAAAAAAAAAAAAA")).stderr).toContain("no such file");
    // An id starting with "-" (older servers made one in 64) reaches the server, not the option parser.
    expect((await parley("ada", "download", "-AAAAAAAAAAAAAAAAAAAAA", "-o", "-")).stderr).toContain("no such file");
    expect((await parley("ada", "send", "files", "--file", join(dir, "missing.txt"))).code).toBe(2);
  });

  test("send --thread --file replies in the thread with the files attached; another member downloads them", async () => {
    await parley("ida", "register", "-u", "ida", "--email", "ida@example.test", "-p", "password123");
    await parley("jon", "register", "-u", "jon", "--email", "jon@example.test", "-p", "password123");
    await parley("ida", "create", "replies");
    await parley("jon", "join", "replies");
    const dir = mkdtempSync(join(tmpdir(), "parley-cli-thread-files-"));
    const one = join(dir, "one.txt");
    const two = join(dir, "two.csv");
    writeFileSync(one, "first file\n");
    writeFileSync(two, "a,b\n1,2\n");
    const root = Number(/^sent #(\d+)/.exec((await parley("ida", "send", "replies", "the numbers?")).stdout)?.[1]);

    const plain = await parley("jon", "send", "replies", "--thread", String(root), "--file", one, "--file", two);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`^sent #\\d+ to replies in thread #${root} with 2 files`));
    const sent = await parley("jon", "send", "replies", "and the room", "--thread", `#${root}`, "--also-to-room", "--file", one, "--json");
    const reply = JSON.parse(sent.stdout) as { threadId: number; alsoToRoom: boolean; attachments: { id: string; name: string }[] };
    expect(reply).toMatchObject({ threadId: root, alsoToRoom: true, attachments: [{ name: "one.txt" }] });

    const thread = await parley("ida", "thread", "replies", String(root), "--json");
    const messages = thread.stdout.trim().split("\n").map((l) => JSON.parse(l) as { content: string; attachments: { id: string; name: string }[] });
    expect(messages.map((m) => [m.content, m.attachments.map((a) => a.name)])).toEqual([
      ["the numbers?", []],
      ["", ["one.txt", "two.csv"]],
      ["and the room", ["one.txt"]],
    ]);
    const csv = messages[1]?.attachments[1]?.id ?? "";
    const got = await parley("ida", "download", csv, "-o", "-");
    expect({ code: got.code, stdout: got.stdout, stderr: got.stderr }).toEqual({ code: 0, stdout: "a,b\n1,2\n", stderr: "" });
    expect((await parley("jon", "send", "replies", "--thread", "nope", "--file", one)).code).toBe(2);
  });
});

describe("the saved name", () => {
  test("comes from Content-Disposition and is never a path", () => {
    expect(dispositionName(`attachment; filename="a.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`)).toBe("résumé.txt");
    expect(dispositionName(`attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd`)).toBe("passwd");
    expect(dispositionName(`attachment; filename=".bashrc"`)).toBe("bashrc");
    expect(dispositionName(null)).toBe("download");
  });
});

describe("a file id starting with a dash", () => {
  test("after download it moves behind --; anything else is left alone", () => {
    const id = "-Ab3_defghijklmnopqrst";
    expect(dashIdAsPositional(["download", id, "-o", "x"])).toEqual(["download", "-o", "x", "--", id]);
    expect(dashIdAsPositional(["-s", "http://h", "download", id])).toEqual(["-s", "http://h", "download", "--", id]);
    expect(dashIdAsPositional(["download", "-o", "x", id])).toEqual(["download", "-o", "x", id]);
    expect(dashIdAsPositional(["download", "--", id])).toEqual(["download", "--", id]);
    expect(dashIdAsPositional(["send", "general", id])).toEqual(["send", "general", id]);
  });
});
