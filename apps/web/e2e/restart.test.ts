import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import {
  hasChromium,
  type ParleyProcess,
  useE2eServer,
  registerByApi,
  screenshotOnFailure,
  signedIn,
  uniqueName,
} from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("restart", {}, (s, b) => {
  server = s;
  browser = b;
});

const texts = (page: Page) => page.locator(".msg[data-message-id] .msg-text").allTextContents();

async function send(page: Page, text: string) {
  const box = page.locator(".composer textarea");
  await box.fill(text);
  await box.press("Enter");
}

test.skipIf(!hasChromium)("messages typed while the server restarts arrive exactly once for both people", async () => {
  const [a, b] = await Promise.all([registerByApi(server, uniqueName("ann")), registerByApi(server, uniqueName("ben"))]);
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("ops") }, a.accessToken);
  await server.call("rooms.join", { roomId: room.id }, b.accessToken);
  const ann = await signedIn(browser, server, a);
  const ben = await signedIn(browser, server, b);
  people.push(ann, ben);
  screenshotOnFailure("restart", () => [ann.page, ben.page]);
  for (const p of [ann, ben]) {
    await p.page.goto(`${server.url}/#/room/${room.id}`);
    await p.page.locator(".composer textarea").waitFor();
  }
  await send(ann.page, "before the restart");
  await ben.page.locator(".msg-text", { hasText: "before the restart" }).waitFor();

  await server.stopProcess();
  await ann.page.locator('[data-testid="connection-banner"][data-status="reconnecting"]').waitFor({ timeout: 10_000 });
  expect(await ann.page.getByTestId("connection-banner").textContent()).toMatch(/Reconnecting/);

  // Ann keeps typing and sending while the server is down: the messages wait as pending.
  const during = ["while down 1", "while down 2", "while down 3"];
  for (const t of during) await send(ann.page, t);
  await expect.poll(() => ann.page.locator('.msg-outgoing[data-status="pending"]').count()).toBe(3);

  await server.startProcess();
  await ann.page.locator('[data-testid="connection-banner"][data-status="back-online"]').waitFor({ timeout: 20_000 });
  await send(ann.page, "after the restart");

  const expected = ["before the restart", ...during, "after the restart"];
  for (const p of [ann, ben]) {
    await expect.poll(() => texts(p.page), { timeout: 20_000 }).toEqual(expect.arrayContaining(expected));
    const seen = await texts(p.page);
    for (const t of expected) expect(seen.filter((s) => s === t), `${t} once for ${p.username}`).toHaveLength(1);
    expect(await p.page.locator(".msg-outgoing").count()).toBe(0);
  }
  // And a reload shows the same, once each, from the server's history.
  await ben.page.reload();
  await ben.page.locator(".msg-text", { hasText: "after the restart" }).waitFor();
  const reloaded = await texts(ben.page);
  for (const t of expected) expect(reloaded.filter((s) => s === t)).toHaveLength(1);
});
