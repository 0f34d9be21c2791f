import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import { type ApiSession, hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("people", {}, (s, b) => {
  server = s;
  browser = b;
});

const PASSWORD = "correct horse battery";

// First in the file: the server is fresh, so this is its first account.
test.skipIf(!hasChromium)("on a fresh server the first account and every later one find #general in the sidebar, with each other in it", async () => {
  const [a, b] = [await registerByApi(server, uniqueName("fir")), await registerByApi(server, uniqueName("sec"))];
  const first = await signedIn(browser, server, a);
  const second = await signedIn(browser, server, b);
  people.push(first, second);
  screenshotOnFailure("first-run", () => [first.page, second.page]);
  for (const p of [first, second]) {
    const link = p.page.locator(".room-link", { hasText: "general" });
    await link.waitFor();
    await link.click();
    await p.page.locator(".composer textarea").waitFor();
  }
  await second.page.locator(".composer textarea").fill("hello everyone");
  await second.page.locator(".composer textarea").press("Enter");
  await first.page.locator(".msg-text", { hasText: "hello everyone" }).waitFor();
});

async function inRoom(prefix: string): Promise<{ a: ApiSession; b: ApiSession; roomId: number }> {
  const [a, b] = await Promise.all([registerByApi(server, uniqueName(`${prefix}a`)), registerByApi(server, uniqueName(`${prefix}b`))]);
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("ppl") }, a.accessToken);
  await server.call("rooms.join", { roomId: room.id }, b.accessToken);
  return { a, b, roomId: room.id };
}

test.skipIf(!hasChromium)("a click on a name opens the profile card, which follows a status set in Settings live", async () => {
  const { a, b, roomId } = await inRoom("card");
  await server.call("messages.send", { roomId, content: "hi from ann", clientId: "card-1" }, a.accessToken);
  const ann = await signedIn(browser, server, a);
  const ben = await signedIn(browser, server, b);
  people.push(ann, ben);
  screenshotOnFailure("profile-card", () => [ann.page, ben.page]);
  await ben.page.goto(`${server.url}/#/room/${roomId}`);
  await ben.page.locator(".msg", { hasText: "hi from ann" }).getByTestId("profile-trigger").click();
  const card = ben.page.getByTestId("profile-card");
  await card.getByTestId("profile-name").getByText(a.user.username).waitFor();

  await ann.page.getByTestId("open-settings").click();
  const form = ann.page.getByTestId("settings-profile");
  await form.getByLabel("Display name").fill("Ann Example");
  await form.getByLabel("Status").fill("Reviewing the deploy");
  await form.getByRole("button", { name: "Save profile" }).click();
  await form.getByText("Saved.").waitFor();

  await card.getByTestId("profile-name").getByText("Ann Example").waitFor();
  await card.getByTestId("profile-status").getByText("Reviewing the deploy").waitFor();
});

test.skipIf(!hasChromium)("changing the password signs out the other session at once; Settings lists sessions and signs one out", async () => {
  const a = await registerByApi(server, uniqueName("pwd"));
  const laptop = await signedIn(browser, server, a);
  // A second, separate sign-in (its own session), as from another device.
  const other = await server.call<ApiSession>("auth.login", { username: a.user.username, password: PASSWORD });
  const phone = await signedIn(browser, server, other);
  const third = await server.call<ApiSession>("auth.login", { username: a.user.username, password: PASSWORD });
  people.push(laptop, phone);
  screenshotOnFailure("password", () => [laptop.page, phone.page]);

  await laptop.page.getByTestId("open-settings").click();
  const sessions = laptop.page.getByTestId("settings-sessions");
  await expect.poll(() => sessions.getByTestId("session").count()).toBe(3);
  expect(await sessions.locator('[data-current="true"]').count()).toBe(1);
  // Sign out one (the newest other session: the API one) from the list.
  await sessions.locator('[data-current="false"]').first().getByRole("button", { name: "Sign out" }).click();
  await expect.poll(() => sessions.getByTestId("session").count()).toBe(2);
  const thirdMe = await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${third.accessToken}` } });
  expect(thirdMe.status).toBe(401);

  const form = laptop.page.getByTestId("settings-password");
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill("a brand new passphrase");
  await form.getByRole("button", { name: "Change password" }).click();
  await form.getByTestId("password-note").getByText(/1 other session was signed out/).waitFor();

  // The phone's socket was closed by the revocation: it is back at the sign-in screen.
  await phone.page.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 10_000 });
  await expect.poll(() => sessions.getByTestId("session").count()).toBe(1);
  expect(await laptop.page.getByTestId("me-name").textContent()).toBe(a.user.username);
});

test.skipIf(!hasChromium)("the theme picked in one tab is taken up by the other tabs", async () => {
  const a = await registerByApi(server, uniqueName("thm"));
  const first = await signedIn(browser, server, a);
  people.push(first);
  const second = await first.context.newPage();
  await second.goto(server.url);
  await second.getByTestId("me-name").waitFor({ state: "attached" });
  const themeOf = (p: typeof second) => p.evaluate(() => document.documentElement.dataset.theme ?? "system");
  expect(await themeOf(second)).toBe("system");
  await first.page.getByTestId("open-settings").click();
  await first.page.getByTestId("settings-theme").click();
  const picked = await themeOf(first.page);
  expect(picked).toMatch(/light|dark/);
  await expect.poll(() => themeOf(second)).toBe(picked);
});
