import type { Browser, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";
import { loadAllScript, seedMessages } from "./seed.ts";

/** A frame, the browser's next idle moment (what rows deferred to it has run), a frame. */
const AFTER_IDLE = `new Promise((resolve) => requestAnimationFrame(() => requestIdleCallback(() => requestAnimationFrame(resolve), { timeout: 2000 })))`;

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("timeline", {}, (s, b) => {
  server = s;
  browser = b;
});

describe.skipIf(!hasChromium)("the message list with a long history", () => {
  test("with 10,000 messages loaded the DOM holds only the rows in view, and new messages still arrive at the bottom", async () => {
    const owner = await registerByApi(server, uniqueName("archivist"));
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("long") }, owner.accessToken);
    const t0 = Date.now();
    await seedMessages(server, { roomId: room.id, senderId: owner.user.id, count: 10_000 });
    const reader = await signedIn(browser, server, owner);
    people.push(reader);
    screenshotOnFailure("timeline", () => [reader.page]);
    const { page } = reader;
    await page.goto(`${server.url}/#/room/${room.id}`);
    await page.locator(".msg-text", { hasText: "history 9999" }).first().waitFor();
    // Rows draw their hidden actions at the next idle moment (components/timeline/idle.ts): count both states after it.
    await page.evaluate(AFTER_IDLE);
    const small = await page.evaluate(() => document.getElementsByTagName("*").length);

    const loadAll = `(${loadAllScript})(10000)`;
    await page.evaluate(loadAll);
    console.log(`seeded and loaded 10,000 in ${Date.now() - t0} ms`);
    await page.getByTestId("message-scroller").evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.getByText(/Welcome to/).waitFor();
    await page.evaluate(AFTER_IDLE);
    const dom = await page.evaluate(() => ({ all: document.getElementsByTagName("*").length, rows: document.querySelectorAll(".msg[data-message-id]").length }));
    // What is in the DOM is what is in view (plus overscan), whatever the history: as with 50 loaded.
    console.log(`dom: ${JSON.stringify({ small, ...dom })}`);
    expect(dom.rows).toBeLessThan(60);
    expect(dom.all).toBeLessThan(small + 600);
    expect(await page.locator(".msg-text", { hasText: /^history 0$/ }).count()).toBe(1);

  }, 300_000);

  test("after loading 10,000, Jump to newest shows the newest message and live ones follow", async () => {
    const owner = await registerByApi(server, uniqueName("archivist"));
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("long") }, owner.accessToken);
    await seedMessages(server, { roomId: room.id, senderId: owner.user.id, count: 10_000 });
    const reader = await signedIn(browser, server, owner);
    people.push(reader);
    const { page } = reader;
    await page.goto(`${server.url}/#/room/${room.id}`);
    await page.locator(".msg-text", { hasText: "history 9999" }).first().waitFor();
    await page.evaluate(`(${loadAllScript})(10000)`);
    // Back at the newest, a message from someone else shows up at the bottom.
    await page.getByRole("button", { name: /Jump to newest/ }).click();
    await page.locator(".msg-text", { hasText: "history 9999" }).first().waitFor();
    const other = await registerByApi(server, uniqueName("poster"));
    await server.call("rooms.join", { roomId: room.id }, other.accessToken);
    await server.call("messages.send", { roomId: room.id, content: "fresh after ten thousand", clientId: "fresh-10k" }, other.accessToken);
    await page.locator(".msg-text", { hasText: "fresh after ten thousand" }).waitFor({ timeout: 5000 });
    const scroller = page.getByTestId("message-scroller");
    await expect.poll(() => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(80);
    await expectNewestInView(page, "fresh after ten thousand");
  }, 300_000);

  test("rows taller than estimated: opening the room and Jump to newest end on the newest message, wholly in view", async () => {
    const owner = await registerByApi(server, uniqueName("tall"));
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("tall") }, owner.accessToken);
    // Each row is several times its estimate: multi-line text, and every fourth a fenced code block.
    const text = (i: number) =>
      i % 4 === 0 ? `\`\`\`\nconst a = ${i};\nconst b = a * 2;\nconst c = b + 1;\nreturn c;\n\`\`\`\ntall ${i}` : `first line\nsecond line\nthird line\ntall ${i}`;
    await seedMessages(server, { roomId: room.id, senderId: owner.user.id, count: 400, text });
    const reader = await signedIn(browser, server, owner);
    people.push(reader);
    screenshotOnFailure("timeline-tall", () => [reader.page]);
    const { page } = reader;
    await page.goto(`${server.url}/#/room/${room.id}`);
    await expectNewestInView(page, "tall 399");

    // Up into older pages (taller than estimated too), then back down.
    const scroller = page.getByTestId("message-scroller");
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect.poll(() => scroller.evaluate((el) => Number(el.dataset.count)), { timeout: 20_000 }).toBeGreaterThan(50);
    await page.getByRole("button", { name: /Jump to newest/ }).click();
    await expectNewestInView(page, "tall 399");

    // Away and back: the list is made again with its history already loaded, before the virtualiser mounts.
    await page.goto(`${server.url}/#/browse`);
    await page.getByTestId("message-scroller").waitFor({ state: "detached" });
    await page.goto(`${server.url}/#/room/${room.id}`);
    await expectNewestInView(page, "tall 399");
  }, 120_000);
});

/**
 * The newest message row is in the DOM, its bottom inside the scroller, and
 * the scroller is at its end; checked again after two frames in which
 * nothing moved, so a list still settling (or stuck one row short) fails.
 */
async function expectNewestInView(page: Page, text: string): Promise<void> {
  const probe = (t: string) =>
    new Promise<{ ok: boolean; detail: string }>((resolve) => {
      const measure = () => {
        const sc = document.querySelector<HTMLElement>('[data-testid="message-scroller"]');
        if (!sc) return { ok: false, detail: "no scroller" };
        const rows = [...sc.querySelectorAll<HTMLElement>(".msg[data-message-id]")];
        const newest = rows.reduce<HTMLElement | undefined>((a, r) => (!a || Number(r.dataset.messageId) > Number(a.dataset.messageId) ? r : a), undefined);
        const below = newest ? newest.getBoundingClientRect().bottom - sc.getBoundingClientRect().bottom : Number.NaN;
        const fromEnd = sc.scrollHeight - sc.scrollTop - sc.clientHeight;
        const has = !!newest?.textContent?.includes(t);
        // Rows measured: the list is as tall as the rows it places (an unmeasured row overflows it).
        const list = sc.querySelector<HTMLElement>(".message-list");
        const win = sc.querySelector<HTMLElement>(".message-window");
        const overflow = list && win ? win.getBoundingClientRect().bottom - list.getBoundingClientRect().bottom : Number.NaN;
        return {
          ok: has && below <= 1 && fromEnd <= 2 && overflow <= 1,
          detail: `newest has text: ${has}, below the view by ${below}px, ${fromEnd}px from the end, rows overflow the list by ${overflow}px`,
        };
      };
      const first = measure();
      requestAnimationFrame(() => requestAnimationFrame(() => {
        const second = measure();
        resolve({ ok: first.ok && second.ok && first.detail === second.detail, detail: second.detail });
      }));
    });
  // Reads "ok" once settled; otherwise what is wrong, which a failure prints.
  await expect.poll(async () => {
    const r = await page.evaluate(probe, text);
    return r.ok ? "ok" : r.detail;
  }, { timeout: 10_000 }).toBe("ok");
}
