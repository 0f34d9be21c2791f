import type { Browser, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("search", {}, (s, b) => {
  server = s;
  browser = b;
});

/** The message is on screen (not only rendered): its box lies inside the viewport. */
async function expectInView(page: Page, messageId: number): Promise<void> {
  const box = await page.locator(`.room-main [data-message-id="${messageId}"]`).boundingBox();
  const viewport = page.viewportSize();
  expect(box && viewport && box.y >= 0 && box.y + box.height <= viewport.height, JSON.stringify({ box, viewport })).toBe(true);
}

/** A room with one findable message far back in its history (older than the first page the list loads). */
async function haystack() {
  const a = await registerByApi(server, uniqueName("finder"));
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("stack") }, a.accessToken);
  const send = (content: string, i: number) => server.call<{ id: number }>("messages.send", { roomId: room.id, content, clientId: `c${i}` }, a.accessToken);
  const needle = await send("the needle is in db.json somewhere", 0);
  for (let i = 1; i <= 120; i++) await send(`filler message ${i}`, i);
  return { session: a, roomId: room.id, needleId: needle.id };
}

describe.skipIf(!hasChromium)("search in a real browser", () => {
  test("/ opens search; a result grouped under its room jumps to the message, highlighted in context", async () => {
    const h = await haystack();
    const p = await signedIn(browser, server, h.session);
    people.push(p);
    screenshotOnFailure("search-jump", () => [p.page]);
    await p.page.locator("body").press("/");
    const box = p.page.getByRole("searchbox", { name: "Search messages" });
    await box.fill("needle db.json");
    const hit = p.page.locator(`.search-hit[data-message-id="${h.needleId}"]`);
    await hit.waitFor();
    expect(await hit.locator("mark").allTextContents()).toEqual(["needle", "db.json"]);
    expect(await p.page.locator(".search-group h2").allTextContents()).toHaveLength(1);
    await hit.click();
    const target = p.page.locator(`.room-main [data-message-id="${h.needleId}"]`);
    await target.waitFor();
    await p.page.waitForFunction((id) => document.querySelector(`[data-message-id="${id}"]`)?.classList.contains("msg-focus") ?? false, h.needleId);
    await expectInView(p.page, h.needleId);
    // A malformed query says where it is wrong, and filters become chips.
    await p.page.locator("body").press("Control+f");
    await box.fill('from:nobody "open');
    await p.page.locator("#search-status", { hasText: "unterminated quote (at character 13)" }).waitFor();
  });

  test("a permalink opened cold shows the room at that message; a pasted link is a quote card", async () => {
    const h = await haystack();
    const link = `${server.url}/r/${h.roomId}/m/${h.needleId}`;
    await server.call("messages.send", { roomId: h.roomId, content: `see ${link}`, clientId: "link-1" }, h.session.accessToken);
    const p = await signedIn(browser, server, h.session);
    people.push(p);
    screenshotOnFailure("search-permalink", () => [p.page]);
    await p.page.goto(link);
    const target = p.page.locator(`.room-main [data-message-id="${h.needleId}"]`);
    await target.waitFor();
    await p.page.waitForFunction((id) => document.querySelector(`[data-message-id="${id}"]`)?.classList.contains("msg-focus") ?? false, h.needleId);
    await expectInView(p.page, h.needleId);
    expect(p.page.url()).toContain(`#/room/${h.roomId}`);
    await p.page.getByRole("button", { name: "Back to latest" }).click();
    const card = p.page.locator(`.room-main .quote-card[data-quote-of="${h.needleId}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain("the needle is in db.json somewhere");
    // Someone who may not read the room sees the plain link.
    const outsider = await registerByApi(server, uniqueName("outsider"));
    const dm = await server.call<{ id: number }>("dms.open", { userIds: [h.session.user.id] }, outsider.accessToken);
    const secret = await server.call<{ id: number }>("rooms.create", { name: uniqueName("secret"), isPrivate: true }, h.session.accessToken);
    const hidden = await server.call<{ id: number }>("messages.send", { roomId: secret.id, content: "classified", clientId: "s1" }, h.session.accessToken);
    await server.call("messages.send", { roomId: dm.id, content: `look ${server.url}/r/${secret.id}/m/${hidden.id}`, clientId: "d1" }, h.session.accessToken);
    const o = await signedIn(browser, server, outsider);
    people.push(o);
    await o.page.goto(`${server.url}/#/room/${dm.id}`);
    const plain = o.page.locator(`.room-main a[data-message-link="plain"][href="${server.url}/r/${secret.id}/m/${hidden.id}"]`);
    await plain.waitFor();
    expect(await o.page.locator(".room-main .quote-card").count()).toBe(0);
  });
});
