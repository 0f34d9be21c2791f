import type { Browser, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

/** Issue 14 in a real browser: badges from the server's counts (across a reload and a second tab), the title and favicon, a system notification. */

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("attention", {}, (s, b) => {
  server = s;
  browser = b;
});
let seq = 0;
const send = (token: string, roomId: number, content: string) => server.call("messages.send", { roomId, content, clientId: `e2e-att-${++seq}` }, token);
const badge = (page: Page, roomId: number) => page.locator(`.room-link[data-room-id="${roomId}"] [data-testid="unread-badge"]`);

describe.skipIf(!hasChromium)("attention in the browser", () => {
  test("badges come from the server: they survive a reload, and reading in one tab clears the other", async () => {
    const [a, b] = await Promise.all([registerByApi(server, uniqueName("ada")), registerByApi(server, uniqueName("bob"))]);
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("badges") }, a.accessToken);
    await server.call("rooms.join", { roomId: room.id }, b.accessToken);
    const bob = await signedIn(browser, server, b);
    people.push(bob);
    screenshotOnFailure("attention-badges", () => [bob.page]);
    await send(a.accessToken, room.id, "one");
    await send(a.accessToken, room.id, `two @${b.user.username}`);
    await badge(bob.page, room.id).getByText("2").waitFor();
    await bob.page.reload();
    await badge(bob.page, room.id).getByText("2").waitFor();
    expect(await bob.page.title()).toBe("(2) Parley");
    await expect.poll(() => bob.page.locator('link[rel="icon"]').getAttribute("data-badge")).toBe("2");

    const tab2 = await bob.context.newPage();
    await tab2.goto(server.url);
    await badge(tab2, room.id).getByText("2").waitFor();
    await bob.page.goto(`${server.url}/#/room/${room.id}`);
    await bob.page.locator(".room-main .composer textarea").waitFor();
    // Read in the first tab: the second one's badge goes, through the server's read.updated.
    await badge(tab2, room.id).waitFor({ state: "detached" });
    await expect.poll(() => tab2.title()).toBe("Parley");
    await tab2.reload();
    await tab2.getByTestId("me-name").waitFor({ state: "attached" });
    await tab2.locator(`.room-link[data-room-id="${room.id}"]`).waitFor();
    expect(await badge(tab2, room.id).count()).toBe(0);
  });

  test("a DM arriving while the tab is hidden shows a system notification", async () => {
    const [a, b] = await Promise.all([registerByApi(server, uniqueName("ada")), registerByApi(server, uniqueName("bob"))]);
    const bob = await signedIn(browser, server, b);
    people.push(bob);
    screenshotOnFailure("attention-notify", () => [bob.page]);
    await bob.context.grantPermissions(["notifications"], { origin: server.url });
    // Record notifications as the app makes them (the real constructor still runs), and hide the tab.
    await bob.page.evaluate(() => {
      const Real = window.Notification;
      const shown: { title: string; body: string }[] = [];
      (window as unknown as { shown: typeof shown }).shown = shown;
      window.Notification = class extends Real {
        constructor(title: string, opts?: NotificationOptions) {
          super(title, opts);
          shown.push({ title, body: opts?.body ?? "" });
        }
      } as typeof Notification;
      Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
    });
    const dm = await server.call<{ id: number }>("dms.open", { userIds: [b.user.id] }, a.accessToken);
    await send(a.accessToken, dm.id, "are you around?");
    await expect
      .poll(() => bob.page.evaluate(() => (window as unknown as { shown: { title: string; body: string }[] }).shown))
      .toEqual([{ title: a.user.username, body: "are you around?" }]);
  });
});
