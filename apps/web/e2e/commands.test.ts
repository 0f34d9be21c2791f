import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { describe, expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

/** Issue 17 in the browser: the `/` autocomplete, running a command, and the author line of bots and webhooks. */

let server: ParleyProcess;
let browser: Browser;
// The late-answer test's integration listens on loopback.
const people = useE2eServer("commands", { WEBHOOK_ALLOW_HOSTS: "127.0.0.1" }, (s, b) => {
  server = s;
  browser = b;
});

describe.skipIf(!hasChromium)("slash commands and bot authors", () => {
  test("typing / lists the built-in and the room's own commands; the keyboard picks one and Enter runs it", async () => {
    const owner = await registerByApi(server, uniqueName("slasher"));
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("slash") }, owner.accessToken);
    await server.call("commands.create", { roomId: room.id, trigger: "deploy", url: "http://127.0.0.1:9/deploy" }, owner.accessToken);
    const p = await signedIn(browser, server, owner);
    people.push(p);
    screenshotOnFailure("slash", () => [p.page]);
    const { page } = p;
    await page.goto(`${server.url}/#/room/${room.id}`);
    const composer = page.locator(".composer textarea");
    await composer.click();
    await page.keyboard.type("/");
    const list = page.getByRole("listbox", { name: "Suggestions" });
    for (const name of ["/me", "/join", "/shrug", "/deploy"]) await list.getByRole("option", { name: new RegExp(`^${name}\\b`) }).waitFor();
    // The textarea points at the active option, so a screen reader follows the arrows.
    const active = async () => page.locator(`#${await composer.getAttribute("aria-activedescendant")}`).textContent();
    await page.keyboard.type("sh");
    await expect.poll(active).toMatch(/^\/shrug/);
    expect(await list.getByRole("option").count()).toBe(1);
    await page.keyboard.press("Enter");
    expect(await composer.inputValue()).toBe("/shrug ");
    await page.keyboard.type("deploys are done");
    await page.keyboard.press("Enter");
    // Run, not sent as text: the message is the command's (markdown shows "\\_" as "_", so the stored text is read back).
    await page.locator(".room-main .msg-text", { hasText: "deploys are done" }).waitFor();
    const res = await fetch(`${server.url}/trpc/messages.list?input=${encodeURIComponent(JSON.stringify({ roomId: room.id }))}`, {
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    const stored = ((await res.json()) as { result: { data: { items: { content: string }[] } } }).result.data.items.map((m) => m.content);
    expect(stored).toContain("deploys are done ¯\\_(ツ)_/¯");
    expect(await composer.inputValue()).toBe("");

    // ↓ moves through the list; a command that answers only the caller shows its answer as a status.
    await page.keyboard.type("/");
    await expect.poll(active).toMatch(/^\/me/);
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
    await expect.poll(active).toMatch(/^\/topic/);
    await page.keyboard.press("Tab");
    await page.keyboard.type("release week");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Topic set: release week" }).count()).toBe(1);

    // A refused command says why and gives the line back.
    await composer.fill("/join #no-such-room");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").filter({ hasText: /not found/i }).waitFor();
    await expect.poll(() => composer.inputValue()).toBe("/join #no-such-room");
    await composer.fill("");

    // A line whose first word is no command goes out as a message; Esc closes the list.
    await page.keyboard.type("/usr/bin is a path");
    await page.keyboard.press("Enter");
    await page.locator(".room-main .msg-text", { hasText: "/usr/bin is a path" }).waitFor();
    await page.keyboard.type("/sh");
    await list.waitFor();
    await page.keyboard.press("Escape");
    await list.waitFor({ state: "detached" });
  });

  test("a webhook's post shows its override name, via webhook and a BOT badge; a person shows their display name", async () => {
    const owner = await registerByApi(server, uniqueName("hooker"));
    await server.call("users.updateProfile", { displayName: "Grace Hopper" }, owner.accessToken);
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("alerts") }, owner.accessToken);
    const hook = await server.call<{ url: string }>("webhooks.create", { roomId: room.id, name: "CI" }, owner.accessToken);
    await server.call("messages.send", { roomId: room.id, content: "watching the alerts", clientId: "person-1" }, owner.accessToken);
    const p = await signedIn(browser, server, owner);
    people.push(p);
    screenshotOnFailure("webhook-author", () => [p.page]);
    const { page } = p;
    await page.goto(`${server.url}/#/room/${room.id}`);
    const mine = page.locator(".room-main .msg", { hasText: "watching the alerts" });
    await expect.poll(() => mine.locator(".msg-author").textContent()).toBe("Grace Hopper");
    expect(await mine.locator(".msg-author").getAttribute("title")).toBe(`Grace Hopper (@${owner.user.username})`);
    expect(await mine.locator(".bot-badge").count()).toBe(0);
    // Posted while the page is open: it arrives live.
    const res = await fetch(`${server.url}${hook.url}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "disk 91% full", username: "Prometheus" }),
    });
    expect(res.status).toBe(200);
    const alert = page.locator(".room-main .msg", { hasText: "disk 91% full" });
    await alert.waitFor();
    expect(await alert.locator(".msg-author").textContent()).toBe("Prometheus");
    expect(await alert.locator(".msg-via").textContent()).toBe("via webhook");
    expect(await alert.locator(".bot-badge").textContent()).toBe("BOT");
    expect(await alert.locator(".msg-author").getAttribute("title")).toMatch(/^Posted via webhook by CI \(@hook-/);
    expect(await alert.getAttribute("aria-label")).toMatch(/^Prometheus via webhook, bot, /);
    // The same after a reload (from history).
    await page.reload();
    await page.locator(".room-main .msg", { hasText: "disk 91% full" }).locator(".msg-via").waitFor();
  });

  test("a command's late answer for the caller, POSTed to its response URL, shows in the composer", async () => {
    let responseUrl = "";
    const integration = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        responseUrl = (JSON.parse(Buffer.concat(chunks).toString()) as { response_url: string }).response_url;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ text: "building…" }));
      });
    });
    await new Promise<void>((r) => integration.listen(0, "127.0.0.1", r));
    try {
      const owner = await registerByApi(server, uniqueName("builder"));
      const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("builds") }, owner.accessToken);
      const url = `http://127.0.0.1:${(integration.address() as AddressInfo).port}/build`;
      await server.call("commands.create", { roomId: room.id, trigger: "build", url }, owner.accessToken);
      const p = await signedIn(browser, server, owner);
      people.push(p);
      screenshotOnFailure("late-answer", () => [p.page]);
      const { page } = p;
      await page.goto(`${server.url}/#/room/${room.id}`);
      await page.locator(".composer textarea").click();
      await page.keyboard.type("/build main");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Enter");
      const note = page.getByRole("status").filter({ hasText: "Only you can see this" });
      await expect.poll(() => note.textContent()).toContain("building…");
      const res = await fetch(responseUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "main is green", ephemeral: true }) });
      expect(res.status).toBe(200);
      await expect.poll(() => note.textContent()).toContain("/build: main is green");
      await note.getByRole("button", { name: "Dismiss" }).click();
      await note.waitFor({ state: "detached" });
    } finally {
      integration.closeAllConnections();
      integration.close();
    }
  });
});
