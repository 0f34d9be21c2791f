import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dispositionName } from "./files.ts";
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
    expect((await parley("ada", "download", id, "-o", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("line one\nline two\n");
    const again = await parley("ada", "download", id, "-o", "-");
    expect(again.stdout).toBe("line one\nline two\n");
    expect((await parley("ada", "download", "AAAAAAAAAAAAAAAAAAAAAA")).stderr).toContain("no such file");
    expect((await parley("ada", "send", "files", "--file", join(dir, "missing.txt"))).code).toBe(2);
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
