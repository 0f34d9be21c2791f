import type { Browser, Locator, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import {
  type ApiSession,
  hasChromium,
  type ParleyProcess,
  type Person,
  registerByApi,
  screenshotOnFailure,
  signedIn,
  uniqueName,
  useE2eServer,
} from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("conversations", {}, (s, b) => {
  server = s;
  browser = b;
});

interface Pair {
  alice: Person & { session: ApiSession };
  bob: Person & { session: ApiSession };
  roomId: number;
}

/** Alice and Bob in one public room, each with the room open in a browser. */
async function pair(name: string): Promise<Pair> {
  const [a, b] = await Promise.all([registerByApi(server, uniqueName("alice")), registerByApi(server, uniqueName("bob"))]);
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName(name) }, a.accessToken);
  await server.call("rooms.join", { roomId: room.id }, b.accessToken);
  const [alice, bob] = await Promise.all([signedIn(browser, server, a), signedIn(browser, server, b)]);
  people.push(alice, bob);
  screenshotOnFailure(name, () => [alice.page, bob.page]);
  await Promise.all([alice.page, bob.page].map((p) => p.goto(`${server.url}/#/room/${room.id}`)));
  await Promise.all([alice.page, bob.page].map((p) => p.locator(".room-main .composer textarea").waitFor()));
  return { alice: { ...alice, session: a }, bob: { ...bob, session: b }, roomId: room.id };
}

const composer = (page: Page) => page.locator(".room-main .composer textarea");
/** A message of the room's timeline by its text. */
const message = (page: Page, text: string): Locator => page.locator(".room-main .msg[data-message-id]", { hasText: text });

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await page.locator('.room-main .msg[data-status="sent"]', { hasText: text }).waitFor();
}

/** Runs a message's action: hovering the message shows its actions. */
async function action(msg: Locator, name: string): Promise<void> {
  await msg.hover();
  await msg.getByRole("button", { name, exact: true }).click();
}

describe.skipIf(!hasChromium)("conversations in a real browser", () => {
  test("↑ edits the last message, Escape cancels, the action edits too, and the other side sees (edited) with its history", async () => {
    const { alice, bob } = await pair("edits");
    await send(alice.page, "first draft");

    // ↑ then Escape: nothing changes and focus is back in the composer.
    await composer(alice.page).press("ArrowUp");
    const editor = alice.page.locator(".msg-editor textarea");
    await editor.waitFor();
    await editor.press("Escape");
    await editor.waitFor({ state: "detached" });
    expect(await alice.page.evaluate(() => document.activeElement?.closest(".composer") !== null)).toBe(true);

    await composer(alice.page).press("ArrowUp");
    await editor.fill("second take");
    await editor.press("Enter");
    await message(bob.page, "second take").getByRole("button", { name: "(edited)" }).waitFor();

    // The message's own Edit action.
    await action(message(alice.page, "second take"), "Edit message");
    await editor.fill("third and final");
    await editor.press("Enter");
    const edited = message(bob.page, "third and final");
    await edited.waitFor();
    expect(await bob.page.locator(".room-main .msg-text", { hasText: "second take" }).count()).toBe(0);

    // The history lists the earlier versions.
    await edited.getByRole("button", { name: "(edited)" }).click();
    const history = bob.page.getByTestId("revisions-dialog");
    await history.locator('[data-rev="2"]', { hasText: "second take" }).waitFor();
    await history.locator('[data-rev="1"]', { hasText: "first draft" }).waitFor();
  });

  test("deleting asks first with Cancel focused, then both people see a tombstone", async () => {
    const { alice, bob } = await pair("deletes");
    await send(alice.page, "oops, wrong room");
    await message(bob.page, "oops, wrong room").waitFor();

    // By keyboard: focusing the action shows it; Enter asks.
    const mine = message(alice.page, "oops, wrong room");
    await mine.getByRole("button", { name: "Delete message" }).focus();
    await alice.page.keyboard.press("Enter");
    const dialog = alice.page.locator('[data-testid="confirm-dialog"][open]');
    await dialog.waitFor();
    expect(await alice.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Cancel");
    await dialog.getByRole("button", { name: "Delete message" }).click();

    for (const page of [alice.page, bob.page]) {
      await page.locator('.room-main .msg[data-deleted="true"]', { hasText: "message deleted" }).waitFor();
      expect(await page.locator(".room-main").textContent()).not.toContain("oops, wrong room");
    }
  });

  test("a reaction from the picker and one from a chip show their counts and who reacted to the other person", async () => {
    const { alice, bob } = await pair("reactions");
    await send(alice.page, "ship it?");
    await message(bob.page, "ship it?").waitFor();

    // Bob reacts through the lazily loaded picker.
    await action(message(bob.page, "ship it?"), "Add reaction");
    const picker = bob.page.getByTestId("emoji-picker-dialog").locator("emoji-picker");
    await picker.locator("input").fill("thumbs up");
    await picker.getByRole("option", { name: /thumbs up/i }).first().click();

    const chip = message(alice.page, "ship it?").locator(".reaction-chip");
    await chip.filter({ hasText: "1" }).waitFor();
    const emoji = await chip.getAttribute("data-emoji");
    expect(emoji).toBeTruthy();
    await chip.hover();
    await message(alice.page, "ship it?").getByRole("tooltip").getByText(`${bob.username} reacted with`).waitFor();

    // Alice adds hers by clicking the chip: 2 for Bob, and pressed for her.
    await chip.click();
    await message(bob.page, "ship it?").locator(".reaction-chip", { hasText: "2" }).waitFor();
    await alice.page.locator(".room-main .reaction-chip[aria-pressed='true']", { hasText: "2" }).waitFor();
    // And off again.
    await chip.click();
    await message(bob.page, "ship it?").locator(".reaction-chip", { hasText: "1" }).waitFor();
  });

  test("a reply in the thread panel shows as 1 reply under the root for the other person", async () => {
    const { alice, bob } = await pair("threads");
    await send(alice.page, "who takes the release notes?");
    const root = message(bob.page, "who takes the release notes?");
    await root.waitFor();

    await action(root, "Reply in thread");
    const panel = bob.page.getByTestId("thread-panel");
    await panel.locator(".msg", { hasText: "who takes the release notes?" }).waitFor();
    await panel.locator(".composer textarea").fill("I will");
    await panel.locator(".composer textarea").press("Enter");
    await panel.locator('.msg[data-status="sent"]', { hasText: "I will" }).waitFor();

    const link = message(alice.page, "who takes the release notes?").getByRole("button", { name: "1 reply" });
    await link.waitFor();
    // The reply stays in its thread: the room's timeline does not list it.
    expect(await alice.page.locator(".room-main .msg-text", { hasText: "I will" }).count()).toBe(0);
    await link.click();
    await alice.page.getByTestId("thread-panel").locator(".msg", { hasText: "I will" }).waitFor();
  });

  test("a DM opened from the people picker reaches the other person, named by its members in their Direct messages", async () => {
    const [a, b] = await Promise.all([registerByApi(server, uniqueName("alice")), registerByApi(server, uniqueName("bob"))]);
    const [alice, bob] = await Promise.all([signedIn(browser, server, a), signedIn(browser, server, b)]);
    people.push(alice, bob);
    screenshotOnFailure("dms", () => [alice.page, bob.page]);

    await alice.page.getByRole("button", { name: "New message" }).click();
    const dialog = alice.page.getByTestId("new-dm-dialog");
    await dialog.getByLabel("To").fill(b.user.username);
    await dialog.getByRole("button", { name: b.user.username }).click();
    await dialog.getByRole("button", { name: "Open conversation" }).click();
    await alice.page.locator("#room-title", { hasText: b.user.username }).waitFor();
    await alice.page.getByTestId("dm-list").getByText(b.user.username).waitFor();
    await send(alice.page, "psst, a private word");

    const dm = bob.page.getByTestId("dm-list").locator(".dm-link", { hasText: a.user.username });
    await dm.waitFor();
    await dm.locator('[data-testid="unread-badge"]').waitFor();
    // Alice is online, and Bob sees it on the DM.
    await bob.page.getByTestId("dm-list").locator('.dm-link[data-online="true"]', { hasText: a.user.username }).waitFor();
    await dm.click();
    await message(bob.page, "psst, a private word").waitFor();
    expect(await bob.page.getByTestId("my-rooms").textContent()).not.toContain(a.user.username);
  });
});
