import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import { hasChromium, openMembers, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
// Short keep-alive timings: a socket cut by a dead link (no close frame crosses it) is noticed by the server in ~2 s.
const people = useE2eServer("network", { WS_PING_MS: "1000", WS_PONG_WAIT_MS: "1000" }, (s, b) => {
  server = s;
  browser = b;
});

const status = (page: Page) => page.getByTestId("connection-status");

async function inRoom() {
  const [a, b] = await Promise.all([registerByApi(server, uniqueName("nia")), registerByApi(server, uniqueName("oli"))]);
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("net") }, a.accessToken);
  await server.call("rooms.join", { roomId: room.id }, b.accessToken);
  const nia = await signedIn(browser, server, a);
  const oli = await signedIn(browser, server, b);
  people.push(nia, oli);
  for (const p of [nia, oli]) {
    await p.page.goto(`${server.url}/#/room/${room.id}`);
    await p.page.locator(".composer textarea").waitFor();
    await p.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor();
  }
  return { nia, oli, room };
}

/** Waits until the banner says the next attempt is at least `seconds` away: the backoff alone would be slow. */
async function longBackoff(page: Page, seconds: number) {
  await expect
    .poll(async () => Number(/Reconnecting in (\d+) s/.exec((await page.getByTestId("connection-banner").textContent().catch(() => "")) ?? "")?.[1] ?? 0), {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(seconds);
}

test.skipIf(!hasChromium)("a dropped network shows as offline within 1 s, others see the user go offline, and it reconnects when the network is back", async () => {
  const { nia, oli } = await inRoom();
  screenshotOnFailure("network-offline", () => [nia.page, oli.page]);
  const members = oli.page.getByTestId("members-panel");
  await openMembers(oli.page);
  await members.locator('[data-online="true"]', { hasText: nia.username }).waitFor();

  const dropped = Date.now();
  await nia.context.setOffline(true);
  await nia.page.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 1000 });
  expect(Date.now() - dropped).toBeLessThan(1000);
  expect(await status(nia.page).textContent()).toBe("Offline");
  await nia.page.locator('[data-testid="connection-banner"][data-status="offline"]').waitFor({ timeout: 1000 });
  // The socket was closed at once, so the server lets the others know after its short grace period, not after a keep-alive timeout.
  await members.locator('[data-online="false"]', { hasText: nia.username }).waitFor({ timeout: 8000 });

  await nia.context.setOffline(false);
  await nia.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: 3000 });
  await members.locator('[data-online="true"]', { hasText: nia.username }).waitFor({ timeout: 5000 });
});

test.skipIf(!hasChromium)("after a server restart the app is connected again within 2 s of the server being back", async () => {
  const { nia } = await inRoom();
  screenshotOnFailure("network-restart", () => [nia.page]);
  await server.stopProcess();
  await nia.page.locator('[data-testid="connection-status"][data-status="reconnecting"]').waitFor({ timeout: 5000 });
  expect(await status(nia.page).textContent()).not.toBe("Online");
  await longBackoff(nia.page, 3);

  await server.startProcess();
  const back = Date.now();
  await nia.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: 5000 });
  expect(Date.now() - back).toBeLessThan(2000);
  // A lazy chunk asked for while the server was down (the members panel, just opened) is fetched again, not lost.
  await nia.page.getByTestId("members-panel").waitFor({ timeout: 20_000 });
});

test.skipIf(!hasChromium)('"Reconnect now" tries again at once instead of waiting out the backoff', async () => {
  const { nia } = await inRoom();
  screenshotOnFailure("network-button", () => [nia.page]);
  await server.stopProcess();
  try {
    await longBackoff(nia.page, 3);
    const attempt = nia.page.waitForEvent("websocket", { timeout: 1000 });
    await nia.page.getByTestId("reconnect-now").click();
    // A new socket is opened right away (and fails: the server is still down).
    await attempt;
    await expect.poll(async () => (await nia.page.getByTestId("connection-banner").textContent()) ?? "", { timeout: 2000 }).not.toMatch(/Reconnecting in ([3-9]|\d\d+) s/);
  } finally {
    await server.startProcess();
  }
  await nia.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: 5000 });
});
