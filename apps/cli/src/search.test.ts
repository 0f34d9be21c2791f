import { describe, expect, test } from "vitest";
import { useCli } from "./test/cli.ts";

const { parley } = useCli("search");

describe("parley search", () => {
  test("prints the matches newest first with the match bracketed, pages with -n, and reports a bad query where it is wrong", async () => {
    expect((await parley("sue", "register", "-u", "sue", "--email", "sue@example.test", "-p", "password123")).code).toBe(0);
    await parley("sue", "create", "ops");
    for (const text of ["deploy started", "deploy finished", "lunch?"]) expect((await parley("sue", "send", "ops", text)).code).toBe(0);

    const found = await parley("sue", "search", "deploy");
    expect(found.code, found.stderr).toBe(0);
    const lines = found.stdout.trimEnd().split("\n");
    expect(lines.map((l) => l.split("\t").slice(2).join("\t"))).toEqual(["#ops\tsue: [deploy] finished", "#ops\tsue: [deploy] started"]);

    const one = await parley("sue", "search", "deploy", "-n", "1");
    expect(one.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(one.stderr).toContain("more results");

    const json = await parley("sue", "search", "from:sue", "in:ops", "--json");
    expect(json.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { message: { content: string } }).message.content)).toEqual(["lunch?", "deploy finished", "deploy started"]);

    const bad = await parley("sue", "search", 'say "hello');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unterminated quote (at character 5)");
    const none = await parley("sue", "search", "nothing-like-this");
    expect(none.code).toBe(0);
    expect(none.stderr).toContain("no messages found");
  });
});
