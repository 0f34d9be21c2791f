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
const send = (token: string, roomId: number, content: string) => server.call<{ id: number }>("messages.send", { roomId, content, clientId: `e2e-att-${++seq}` }, token);
/** The message row the "New messages" divider heads, read once the divider has taken the server marker `marker`. */
async function dividerHeads(page: Page, marker: number): Promise<number | null> {
  await page.locator(`[data-testid="message-scroller"][data-read-marker="${marker}"]`).waitFor();
  const rows = page.locator(".timeline-row:has(.unread-divider) [data-message-id]");
  if ((await rows.count()) === 0) return null;
  return Number(await rows.first().getAttribute("data-message-id"));
}
/** A message's text in the timeline (the live region repeats it). */
const shown = (page: Page, text: string) => page.getByTestId("message-scroller").getByText(text);
const hide = (page: Page) => page.evaluate(() => Object.defineProperty(document, "visibilityState", { get: () => "hidden" }));
type Shown = { title: string; body: string }[];
/** Grants the notification permission and records notifications as the app makes them (the real constructor still runs), then hides the tab. */
async function recordNotifications(page: Page, origin: string): Promise<void> {
  await page.context().grantPermissions(["notifications"], { origin });
  await page.evaluate(() => {
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
}
const notifications = (page: Page) => page.evaluate(() => (window as unknown as { shown: Shown }).shown);
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
    await recordNotifications(bob.page, server.url);
    const dm = await server.call<{ id: number }>("dms.open", { userIds: [b.user.id] }, a.accessToken);
    await send(a.accessToken, dm.id, "are you around?");
    await expect.poll(() => notifications(bob.page)).toEqual([{ title: a.user.username, body: "are you around?" }]);
  });

  test("a hidden tab notifies as Web Push would: a DM in a muted room yes, a plain message in a mentions room no, an edit only for a new mention", async () => {
    const [a, b] = await Promise.all([registerByApi(server, uniqueName("ada")), registerByApi(server, uniqueName("bob"))]);
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("levels") }, a.accessToken);
    await server.call("rooms.join", { roomId: room.id }, b.accessToken);
    await server.call("rooms.setNotifications", { roomId: room.id, level: "mentions" }, b.accessToken);
    const dm = await server.call<{ id: number }>("dms.open", { userIds: [b.user.id] }, a.accessToken);
    await server.call("rooms.setNotifications", { roomId: dm.id, level: "all", muted: true }, b.accessToken);
    const bob = await signedIn(browser, server, b);
    people.push(bob);
    screenshotOnFailure("attention-notify-rule", () => [bob.page]);
    await recordNotifications(bob.page, server.url);
    const me = `@${b.user.username}`;
    const chatter = await send(a.accessToken, room.id, "plain chatter");
    await send(a.accessToken, dm.id, "a DM, muted or not");
    await send(a.accessToken, room.id, `${me} a mention`);
    // The tab decides in arrival order: once the mention is shown, the chatter before it has been decided (and left out).
    await expect
      .poll(() => notifications(bob.page))
      .toEqual([
        { title: a.user.username, body: "a DM, muted or not" },
        { title: a.user.username, body: `${me} a mention` },
      ]);
    // An edit that adds a mention notifies; editing it again, still mentioning, does not; the DM after it is the marker.
    await server.call("messages.edit", { messageId: chatter.id, content: `plain chatter, ${me}` }, a.accessToken);
    await server.call("messages.edit", { messageId: chatter.id, content: `plain chatter, ${me}!` }, a.accessToken);
    await send(a.accessToken, dm.id, "marker");
    await expect
      .poll(() => notifications(bob.page).then((n) => n.slice(2)))
      .toEqual([
        { title: a.user.username, body: `plain chatter, ${me}` },
        { title: a.user.username, body: "marker" },
      ]);
  });

  test("the New messages divider is the server's marker: right after a reload, and moved by reading in another tab", async () => {
    const [a, b] = await Promise.all([registerByApi(server, uniqueName("ada")), registerByApi(server, uniqueName("bob"))]);
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("divider") }, a.accessToken);
    await server.call("rooms.join", { roomId: room.id }, b.accessToken);
    const seen = await send(a.accessToken, room.id, "already read");
    await server.call("rooms.markRead", { roomId: room.id, messageId: seen.id }, b.accessToken);
    const one = await send(a.accessToken, room.id, "fresh one");
    const two = await send(a.accessToken, room.id, "fresh two");

    const bob = await signedIn(browser, server, b);
    people.push(bob);
    screenshotOnFailure("attention-divider", () => [bob.page]);
    const roomUrl = `${server.url}/#/room/${room.id}`;
    /** A full page load straight into the room, as after a reload or a bookmark. */
    const load = async (page: Page) => {
      await page.goto("about:blank");
      await page.goto(roomUrl);
    };
    /** Bob's marker as the server has it (a `markRead` behind it changes nothing and answers the state). */
    const serverMarker = () => server.call<{ lastReadId: number }>("rooms.markRead", { roomId: room.id, messageId: seen.id }, b.accessToken).then((s) => s.lastReadId);
    await load(bob.page);
    // The divider heads the first message past the server's marker, and stays put while this tab reads.
    expect(await dividerHeads(bob.page, seen.id)).toBe(one.id);
    await expect.poll(serverMarker, { timeout: 20_000 }).toBe(two.id);
    expect(await dividerHeads(bob.page, seen.id)).toBe(one.id);
    // Read on the server: a reload shows nothing new; after more messages, the divider heads them.
    await bob.page.reload();
    expect(await dividerHeads(bob.page, two.id)).toBe(null);
    await bob.page.goto("about:blank");
    const three = await send(a.accessToken, room.id, "later one");
    await send(a.accessToken, room.id, "later two");
    await load(bob.page);
    expect(await dividerHeads(bob.page, two.id)).toBe(three.id);
    await expect.poll(serverMarker, { timeout: 20_000 }).toBeGreaterThan(three.id);

    // A second tab nobody is looking at keeps its divider until the first tab reads.
    const tab2 = await bob.context.newPage();
    screenshotOnFailure("attention-divider-tab2", () => [tab2]);
    await tab2.goto(roomUrl);
    await shown(tab2, "later two").waitFor();
    await hide(tab2);
    await bob.page.goto(server.url);
    await bob.page.getByTestId("me-name").waitFor({ state: "attached" });
    const four = await send(a.accessToken, room.id, "unseen one");
    const last = await send(a.accessToken, room.id, "unseen two");
    await shown(tab2, "unseen two").waitFor();
    const tab2Marker = Number(await tab2.getByTestId("message-scroller").getAttribute("data-read-marker"));
    expect(tab2Marker).toBeLessThan(four.id);
    expect(await dividerHeads(tab2, tab2Marker)).toBe(four.id);
    // Reading in the first tab moves the second tab's divider (read.updated): nothing is new there any more.
    await bob.page.goto(roomUrl);
    expect(await dividerHeads(tab2, last.id)).toBe(null);
    await bob.page.goto(server.url);
    await bob.page.getByTestId("me-name").waitFor({ state: "attached" });
    const five = await send(a.accessToken, room.id, "after that");
    await shown(tab2, "after that").waitFor();
    expect(await dividerHeads(tab2, last.id)).toBe(five.id);
  });
});
