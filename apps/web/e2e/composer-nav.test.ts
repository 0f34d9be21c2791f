import type { Browser } from "playwright-core";
import { describe, expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("composer-nav", {}, (s, b) => {
  server = s;
  browser = b;
});

describe.skipIf(!hasChromium)("composer and navigation", () => {
  test("a draft survives a reload, the composer has focus when a room opens, and indented code keeps its indent", async () => {
    const owner = await registerByApi(server, uniqueName("drafter"));
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("drafts") }, owner.accessToken);
    const p = await signedIn(browser, server, owner);
    people.push(p);
    screenshotOnFailure("drafts", () => [p.page]);
    const { page } = p;
    await page.goto(`${server.url}/#/room/${room.id}`);
    const composer = page.locator(".composer textarea");
    await expect.poll(() => composer.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type("half a thought");
    await page.reload();
    await expect.poll(() => composer.inputValue()).toBe("half a thought");
    // Kept as typed, leading spaces and all (stored so, and shown so in a code block).
    await composer.fill("```\n    indented();\n        more();\n```");
    await composer.press("Enter");
    const code = page.locator(".room-main .msg[data-message-id] .msg-text pre code").last();
    await expect.poll(() => code.textContent()).toBe("    indented();\n        more();");
    await composer.fill("    starts indented  \n\n");
    await composer.press("Enter");
    await page.locator(".room-main .msg[data-message-id] .msg-text", { hasText: "starts indented" }).waitFor();
    const res = await fetch(`${server.url}/trpc/messages.list?input=${encodeURIComponent(JSON.stringify({ roomId: room.id, limit: 5 }))}`, {
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    const stored = ((await res.json()) as { result: { data: { items: { content: string }[] } } }).result.data.items.map((m) => m.content);
    expect(stored).toContain("    starts indented");
    await page.reload();
    await expect.poll(() => composer.inputValue()).toBe("");
  });

  test("autocomplete offers people, rooms and emoji; the keyboard picks one", async () => {
    const owner = await registerByApi(server, uniqueName("picker"));
    const friend = await registerByApi(server, uniqueName("zelda"));
    const roomName = uniqueName("autoc");
    const room = await server.call<{ id: number }>("rooms.create", { name: roomName }, owner.accessToken);
    await server.call("rooms.join", { roomId: room.id }, friend.accessToken);
    const p = await signedIn(browser, server, owner);
    people.push(p);
    screenshotOnFailure("autocomplete", () => [p.page]);
    const { page } = p;
    await page.goto(`${server.url}/#/room/${room.id}`);
    const composer = page.locator(".composer textarea");
    await composer.click();
    await page.keyboard.type(`hi @${friend.user.username.slice(0, 4)}`);
    const list = page.getByRole("listbox", { name: "Suggestions" });
    await list.getByRole("option", { name: friend.user.username }).waitFor();
    await page.keyboard.press("Enter");
    expect(await composer.inputValue()).toBe(`hi @${friend.user.username} `);
    await page.keyboard.type(`#${roomName.slice(0, 5)}`);
    await list.getByRole("option", { name: new RegExp(roomName) }).waitFor();
    await page.keyboard.press("Tab");
    expect(await composer.inputValue()).toBe(`hi @${friend.user.username} #${roomName} `);
    await page.keyboard.type(":thumbsu");
    await list.getByRole("option", { name: /:thumbsup:/ }).waitFor();
    await page.keyboard.press("Enter");
    expect(await composer.inputValue()).toBe(`hi @${friend.user.username} #${roomName} 👍 `);
    // Esc closes the list, and Enter then sends.
    await page.keyboard.type("@zz");
    await page.keyboard.press("Escape");
    await list.waitFor({ state: "detached" });
  });

  test("Ctrl+K finds a room by part of its name; Alt+↓ goes to the next room", async () => {
    const owner = await registerByApi(server, uniqueName("jumper"));
    const a = await server.call<{ id: number }>("rooms.create", { name: `aa-${uniqueName("first")}` }, owner.accessToken);
    const bName = `bb-${uniqueName("second")}`;
    const b = await server.call<{ id: number }>("rooms.create", { name: bName }, owner.accessToken);
    const p = await signedIn(browser, server, owner);
    people.push(p);
    screenshotOnFailure("switcher", () => [p.page]);
    const { page } = p;
    await page.goto(`${server.url}/#/room/${a.id}`);
    await page.locator(".composer textarea").waitFor();
    await page.keyboard.press("Control+k");
    const input = page.getByRole("combobox", { name: /Room, direct message or person/ });
    await input.waitFor();
    await page.keyboard.type(bName.slice(3, 12));
    await page.getByRole("option", { name: new RegExp(bName) }).waitFor();
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`#/room/${b.id}$`));
    await page.keyboard.press("Alt+ArrowUp");
    await page.waitForURL(new RegExp(`#/room/${a.id}$`));
    await page.keyboard.press("Alt+ArrowDown");
    await page.waitForURL(new RegExp(`#/room/${b.id}$`));
  });

  test("a long message is collapsed with Show more", async () => {
    const owner = await registerByApi(server, uniqueName("essayist"));
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("essays") }, owner.accessToken);
    const long = Array.from({ length: 60 }, (_, i) => `line ${i + 1}`).join("\n");
    await server.call("messages.send", { roomId: room.id, content: long, clientId: "long-1" }, owner.accessToken);
    const p = await signedIn(browser, server, owner);
    people.push(p);
    const { page } = p;
    await page.goto(`${server.url}/#/room/${room.id}`);
    const text = page.locator(".room-main .msg-text").last();
    await text.waitFor();
    const collapsed = (await text.boundingBox())?.height ?? 0;
    const more = page.getByRole("button", { name: "Show more" });
    expect(await more.getAttribute("aria-expanded")).toBe("false");
    await more.click();
    await page.getByRole("button", { name: "Show less" }).waitFor();
    const expanded = (await text.boundingBox())?.height ?? 0;
    expect(collapsed).toBeLessThan(700);
    expect(expanded).toBeGreaterThan(collapsed * 2);
  });
});
