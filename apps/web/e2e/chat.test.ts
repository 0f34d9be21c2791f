import type { Browser, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import {
  hasChromium,
  newContext,
  openMembers,
  type Person,
  type ParleyProcess,
  useE2eServer,
  registerByApi,
  screenshotOnFailure,
  signedIn,
  uniqueName,
} from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("chat", {}, (s, b) => {
  server = s;
  browser = b;
});

async function person(name: string, viewport?: { width: number; height: number }): Promise<Person> {
  const session = await registerByApi(server, uniqueName(name));
  const p = await signedIn(browser, server, session, viewport ? { viewport } : {});
  people.push(p);
  return p;
}

async function registerInUi(page: Page, username: string) {
  await page.goto(server.url);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("E-mail").fill(`${username}@example.test`);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("me-name").getByText(username).waitFor();
}

async function createRoom(page: Page, name: string, opts: { description?: string; private?: boolean } = {}): Promise<number> {
  await page.getByRole("button", { name: "Create room" }).click();
  const dialog = page.getByTestId("create-room-dialog");
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  if (opts.description) await dialog.getByLabel("Description").fill(opts.description);
  if (opts.private) await dialog.getByRole("checkbox", { name: /Private room/ }).check();
  const before = page.url();
  await dialog.getByRole("button", { name: "Create room" }).click();
  // The new room's address (when a room is already open, its address matches the pattern too).
  await page.waitForURL((url) => /#\/room\/\d+$/.test(url.href) && url.href !== before);
  await page.locator(".composer textarea").waitFor();
  return Number(new URL(page.url()).hash.split("/").pop());
}

function composer(page: Page) {
  return page.locator(".composer textarea");
}

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

const messageTexts = (page: Page) => page.locator(".msg[data-message-id] .msg-text").allTextContents();

describe.skipIf(!hasChromium)("the chat in a real browser", () => {
  test("two people register, meet in a public room and see each other's messages, typing and presence", async () => {
    const contexts = await Promise.all([newContext(browser), newContext(browser)]);
    const [alicePage, bobPage] = await Promise.all(contexts.map((c) => c.newPage()));
    if (!alicePage || !bobPage) throw new Error("no pages");
    for (const [i, c] of contexts.entries()) people.push({ context: c, page: i === 0 ? alicePage : bobPage, username: "" });
    screenshotOnFailure("realtime", () => [alicePage, bobPage]);
    const alice = uniqueName("alice");
    const bob = uniqueName("bob");

    await Promise.all([registerInUi(alicePage, alice), registerInUi(bobPage, bob)]);
    const roomName = uniqueName("lobby");
    const roomId = await createRoom(alicePage, roomName, { description: "Where everyone meets" });

    // Bob finds the room while browsing (it appeared live) and joins it.
    await bobPage.getByRole("button", { name: "Browse rooms" }).first().click();
    await bobPage.getByRole("button", { name: `Join ${roomName}` }).click();
    await bobPage.waitForURL(new RegExp(`#/room/${roomId}$`));
    await alicePage.locator(".msg-system", { hasText: `${bob} joined` }).waitFor();

    // A message reaches the other browser quickly.
    const started = Date.now();
    await send(alicePage, "Hello Bob, welcome!");
    await bobPage.locator(".msg-text", { hasText: "Hello Bob, welcome!" }).waitFor({ timeout: 5_000 });
    // Typically well under a second; the bound leaves room for a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    await alicePage.locator('.msg[data-status="sent"] .msg-text', { hasText: "Hello Bob, welcome!" }).waitFor();

    // Typing shows on the other side, and goes away when the message is sent.
    await composer(bobPage).pressSequentially("Hi Ali", { delay: 20 });
    await alicePage.getByTestId("typing-indicator").getByText(`${bob} is typing…`).waitFor({ timeout: 5_000 });
    await composer(bobPage).press("Enter");
    await alicePage.locator(".msg-text", { hasText: "Hi Ali" }).waitFor();
    await expect.poll(() => alicePage.getByTestId("typing-indicator").textContent()).toBe("");

    // Presence: both are online in the members panel.
    const members = alicePage.getByTestId("members-panel");
    await openMembers(alicePage);
    await members.locator(`[data-online="true"]`, { hasText: bob }).waitFor();

    // Leaving the room's view, new messages count as unread in the sidebar.
    await bobPage.getByRole("button", { name: "Browse rooms" }).first().click();
    await send(alicePage, "are you there?");
    await bobPage.locator(`.room-link[data-room-id="${roomId}"] [data-testid="unread-badge"]`).getByText("1").waitFor();

    // The session survives a reload; signing out ends it for good.
    await bobPage.reload();
    await bobPage.getByTestId("me-name").getByText(bob).waitFor();
    await bobPage.getByRole("button", { name: "Sign out" }).click();
    await bobPage.getByRole("button", { name: "Sign in" }).waitFor();
    // Signed out, Bob goes offline for Alice (after the server's short grace period).
    await members.locator(`[data-online="false"]`, { hasText: bob }).waitFor({ timeout: 10_000 });
    await members.locator(`[data-online="false"]`, { hasText: bob }).getByText(/last seen/).waitFor();
    await bobPage.reload();
    await bobPage.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await bobPage.evaluate(() => localStorage.getItem("parley.session"))).toBeNull();
  });

  test("a private room is invisible to someone who is not a member", async () => {
    const [owner, outsider] = await Promise.all([person("owner"), person("outsider")]);
    screenshotOnFailure("private", () => [owner.page, outsider.page]);
    const secret = uniqueName("secret");
    const roomId = await createRoom(owner.page, secret, { private: true });
    await send(owner.page, "for members only");
    await owner.page.locator(".msg-text", { hasText: "for members only" }).waitFor();

    await outsider.page.getByRole("button", { name: "Browse rooms" }).first().click();
    await outsider.page.getByTestId("browse-list").waitFor();
    await outsider.page.waitForTimeout(300);
    expect(await outsider.page.getByTestId("browse-list").textContent()).not.toContain(secret);
    expect(await outsider.page.getByTestId("my-rooms").textContent()).not.toContain(secret);

    // Going straight to its address shows nothing of it.
    await outsider.page.goto(`${server.url}/#/room/${roomId}`);
    await outsider.page.getByTestId("me-name").waitFor();
    await outsider.page.waitForTimeout(500);
    expect(await outsider.page.locator("body").textContent()).not.toContain("for members only");
    expect(await outsider.page.locator("body").textContent()).not.toContain(secret);

    // Once added by the admin, it appears for them live.
    await openMembers(owner.page);
    await owner.page.getByLabel("Add someone by username").fill(outsider.username);
    await owner.page.getByRole("button", { name: "Add", exact: true }).click();
    await outsider.page.getByTestId("my-rooms").getByText(secret).waitFor();
  });

  test("previewing a public room without joining shows its new messages live", async () => {
    const [owner, visitor] = await Promise.all([person("host"), person("visitor")]);
    screenshotOnFailure("preview", () => [owner.page, visitor.page]);
    const name = uniqueName("open-house");
    const roomId = await createRoom(owner.page, name);
    await send(owner.page, "before you looked");
    await owner.page.locator(".msg[data-message-id] .msg-text", { hasText: "before you looked" }).waitFor();

    await visitor.page.goto(`${server.url}/#/room/${roomId}`);
    await visitor.page.locator(".msg[data-message-id] .msg-text", { hasText: "before you looked" }).waitFor();
    await send(owner.page, "while you watch");
    await visitor.page.locator(".msg[data-message-id] .msg-text", { hasText: "while you watch" }).waitFor({ timeout: 5000 });
    // Still only a visitor: the room is not among theirs.
    expect(await visitor.page.getByTestId("my-rooms").textContent()).not.toContain(name);
  });

  test("a previewed public room that turns private leaves the visitor's screen, and its new name never shows", async () => {
    const host = await registerByApi(server, uniqueName("closer"));
    const name = uniqueName("soon-closed");
    const room = await server.call<{ id: number }>("rooms.create", { name }, host.accessToken);
    await server.call("messages.send", { roomId: room.id, content: "open for now", clientId: "o1" }, host.accessToken);
    const visitor = await person("peeker");
    screenshotOnFailure("turned-private", () => [visitor.page]);
    await visitor.page.goto(`${server.url}/#/room/${room.id}`);
    await visitor.page.locator(".msg[data-message-id] .msg-text", { hasText: "open for now" }).waitFor();
    await server.call("rooms.update", { roomId: room.id, name: "secret-new-name", isPrivate: true }, host.accessToken);
    // The room is gone from the visitor's screen (the app goes home), and so is any trace of its new name.
    await visitor.page.waitForURL((url) => !url.hash.includes(`/room/${room.id}`));
    await visitor.page.getByRole("button", { name: "Browse rooms" }).first().click();
    await visitor.page.getByTestId("browse-list").waitFor();
    const text = (await visitor.page.locator("body").textContent()) ?? "";
    expect(text).not.toContain(name);
    expect(text).not.toContain("secret-new-name");
  });

  test("scrolling up pages back through history without moving the view", async () => {
    const session = await registerByApi(server, uniqueName("historian"));
    const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("archive") }, session.accessToken);
    for (let i = 1; i <= 130; i++) {
      await server.call("messages.send", { roomId: room.id, content: `history ${i}`, clientId: `h${i}` }, session.accessToken);
    }
    const reader = await signedIn(browser, server, session);
    people.push(reader);
    screenshotOnFailure("history", () => [reader.page]);
    const { page } = reader;
    await page.goto(`${server.url}/#/room/${room.id}`);
    await page.locator(".msg-text", { hasText: "history 130" }).waitFor();
    const first = await messageTexts(page);
    expect(first).not.toContain("history 1");

    const scroller = page.getByTestId("message-scroller");
    // The list is virtualised: how many are loaded is its data-count; the oldest loaded is "history (131 − count)".
    const loaded = async () => Number(await scroller.getAttribute("data-count"));
    for (let round = 0; round < 6; round++) {
      const count = await loaded();
      if (count >= 130) break;
      // The oldest loaded message is at the top once scrolled up; after the next page it must still be near the top.
      const topText = `history ${131 - count}`;
      await scroller.evaluate((el) => {
        el.scrollTop = 0;
      });
      await expect.poll(loaded, { timeout: 5_000 }).toBeGreaterThan(count);
      const box = await page.locator(".msg-text", { hasText: new RegExp(`^${topText}$`) }).boundingBox();
      const scrollerBox = await scroller.boundingBox();
      // The message that was at the top is still near the top of the viewport, not pushed far down.
      expect(box && scrollerBox ? box.y - scrollerBox.y : -1).toBeLessThan(200);
      expect(box && scrollerBox ? box.y - scrollerBox.y : -1).toBeGreaterThan(-100);
    }
    await expect.poll(loaded, { timeout: 5_000 }).toBeGreaterThanOrEqual(130);
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    // The virtualiser renders the rows now at the top on its next frame: wait for them, with a deadline.
    await expect.poll(async () => (await messageTexts(page)).includes("history 1"), { timeout: 5_000 }).toBe(true);
    const all = await messageTexts(page);
    expect(all).toContain("history 1");
    expect(all.filter((t) => t === "history 1")).toHaveLength(1);
    await page.getByText(/Welcome to/).waitFor();

    // Reading old messages, a new one does not yank the view down: a pill counts it instead.
    const other = await registerByApi(server, uniqueName("poster"));
    await server.call("rooms.join", { roomId: room.id }, other.accessToken);
    await server.call("messages.send", { roomId: room.id, content: "fresh news", clientId: "fresh1" }, other.accessToken);
    const pill = page.getByRole("button", { name: /new message/ });
    await pill.waitFor();
    expect(await pill.textContent()).toContain("1 new message");
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeLessThan(1000);
    await pill.click();
    await expect.poll(() => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(80);
    await pill.waitFor({ state: "detached" });
  });

  test("hostile text in names, descriptions and messages shows as literal text", async () => {
    const attacker = await person("mallory");
    screenshotOnFailure("xss", () => [attacker.page]);
    const { page } = attacker;
    const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    await createRoom(page, `room ${payload}`.slice(0, 80), { description: `about ${payload}` });
    await send(page, `look ${payload} javascript:alert(1) https://example.com/a?b=<c>`);
    await page.locator(".msg-text", { hasText: "look <img" }).waitFor();
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator(".message-list img, .message-list script").count()).toBe(0);
    expect(await page.locator(".msg-text").last().textContent()).toContain('<img src=x onerror="window.__xss=1">');
    expect(await page.locator(".pane-title").textContent()).toContain("<img src=x");
    // Only the http(s) URL became a link, and it cannot reach back into this page.
    const links = page.locator(".msg-text a");
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(await links.first().getAttribute("href")).toMatch(/^https:\/\/example\.com\//);

    // A username with markup is refused by the same rule the server uses, and the message shows as text.
    const fresh = await newContext(browser);
    people.push({ context: fresh, page: await fresh.newPage(), username: "" });
    const signup = people[people.length - 1]?.page;
    if (!signup) throw new Error("no page");
    await signup.goto(server.url);
    await signup.getByRole("button", { name: "Create an account" }).click();
    await signup.getByLabel("Username").fill("<b>bold</b>");
    await signup.getByRole("button", { name: "Create account" }).click();
    await signup.getByText("Username may only contain letters, digits, _ . and -").waitFor();
    expect(await signup.locator("form b").count()).toBe(0);
  });

  test("an admin renames the room, manages members and deletes it, with the server's errors in plain words", async () => {
    const [admin, member] = await Promise.all([person("admin"), person("member")]);
    screenshotOnFailure("admin", () => [admin.page, member.page]);
    const { page } = admin;
    const roomId = await createRoom(page, uniqueName("team"));
    await member.page.goto(`${server.url}/#/room/${roomId}`);
    await member.page.getByRole("button", { name: "Join room" }).click();
    await member.page.locator(".composer textarea").waitFor();

    // Rename and describe: everyone sees it live, with a system note.
    const renamed = uniqueName("renamed");
    await page.getByRole("button", { name: "Settings" }).click();
    const settings = page.getByTestId("room-settings");
    await settings.getByLabel("Name", { exact: true }).fill(renamed);
    await settings.getByLabel("Description").fill("A fresh start");
    await settings.getByRole("button", { name: "Save changes" }).click();
    await member.page.locator(".pane-title", { hasText: renamed }).waitFor();
    await member.page.locator(".room-topic", { hasText: "A fresh start" }).waitFor();
    await member.page.locator(".msg-system", { hasText: `renamed the room` }).waitFor();

    // Privacy changes are confirmed first, and announced.
    await page.getByRole("button", { name: "Settings" }).click();
    await settings.getByRole("checkbox", { name: /Private room/ }).check();
    await settings.getByRole("button", { name: "Save changes" }).click();
    await page.getByTestId("confirm-dialog").getByRole("button", { name: "Make private" }).click();
    await member.page.locator(".msg-system", { hasText: "made the room private" }).waitFor();

    // Adding someone who does not exist says so plainly.
    const panel = page.getByTestId("members-panel");
    await openMembers(page);
    await page.getByLabel("Add someone by username").fill("nobody-by-this-name");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await panel.getByText("User not found").waitFor();

    // Promote, after confirming.
    const row = panel.locator(".member", { hasText: member.username });
    await row.hover();
    await row.getByRole("button", { name: /Promote/ }).click();
    await page.getByTestId("confirm-dialog").getByRole("button", { name: "Make admin" }).click();
    await row.locator(".tag", { hasText: "admin" }).waitFor();
    await member.page.getByRole("button", { name: "Settings" }).waitFor();

    // Remove, after confirming: the room leaves their sidebar.
    await row.hover();
    await row.getByRole("button", { name: /Remove/ }).first().click();
    await page.getByTestId("confirm-dialog").getByRole("button", { name: "Remove", exact: true }).click();
    await panel.locator(".member", { hasText: member.username }).waitFor({ state: "detached" });
    await member.page.locator(`.room-link[data-room-id="${roomId}"]`).waitFor({ state: "detached" });

    // Delete, after confirming: gone for the admin too.
    await page.getByRole("button", { name: "Settings" }).click();
    await settings.getByRole("button", { name: "Delete room" }).click();
    await page.getByTestId("confirm-dialog").getByRole("button", { name: "Delete room" }).click();
    await page.locator(`.room-link[data-room-id="${roomId}"]`).waitFor({ state: "detached" });
    await page.waitForURL(/#\/$/);
  });

  test("the composer adds lines with Shift+Enter, shows the length limit, and refuses an over-long message", async () => {
    const writer = await person("writer");
    screenshotOnFailure("composer", () => [writer.page]);
    const { page } = writer;
    await createRoom(page, uniqueName("drafts"));
    const box = composer(page);
    await box.pressSequentially("first line");
    await box.press("Shift+Enter");
    await box.pressSequentially("second line");
    await box.press("Enter");
    await page.locator(".msg[data-message-id] .msg-text", { hasText: "first line" }).waitFor();
    // innerText: the line break is a <br> now (rich text), which textContent does not show.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered line break is what is checked
    expect(await page.locator(".msg[data-message-id] .msg-text").last().innerText()).toBe("first line\nsecond line");

    await box.fill("x".repeat(4001));
    await page.locator(".composer-count.over", { hasText: "4001 / 4000" }).waitFor();
    expect(await page.getByRole("button", { name: "Send message" }).isDisabled()).toBe(true);
    await box.press("Enter");
    await page.getByText("Message must be at most 4000 characters").waitFor();
    expect(await page.locator(".msg-outgoing").count()).toBe(0);

    // A draft waits in its room while another room is open.
    const first = new URL(page.url()).hash;
    await box.fill("half a thought");
    await createRoom(page, uniqueName("elsewhere"));
    expect(await composer(page).inputValue()).toBe("");
    await page.goto(`${server.url}/${first}`);
    await expect.poll(() => composer(page).inputValue()).toBe("half a thought");
  });

  test("on a 360×740 phone nothing scrolls sideways and the rooms live in a drawer", async () => {
    const phone = await person("phone", { width: 360, height: 740 });
    screenshotOnFailure("phone", () => [phone.page]);
    const { page } = phone;
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBe(0);
    await page.getByRole("button", { name: "Open rooms menu" }).click();
    await createRoom(page, uniqueName("pocket-sized-room-with-a-long-name"), { description: "x".repeat(300) });
    await send(page, `a-very-long-word-${"y".repeat(300)} and https://example.com/${"z".repeat(200)}`);
    await page.locator('.msg[data-status="sent"]').last().waitFor();
    expect(await overflow()).toBe(0);
    expect(await page.locator(".message-scroller").evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
    // The drawer opens over the room and closes again.
    await page.getByRole("button", { name: "Open rooms menu" }).click();
    await page.getByTestId("my-rooms").waitFor({ state: "visible" });
    expect(await overflow()).toBe(0);
  });
});
