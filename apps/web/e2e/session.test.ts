import type { Browser } from "playwright-core";
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
// Access tokens live 4 s here, so refreshes happen during the test.
const people = useE2eServer("session", { ACCESS_TOKEN_TTL: "4s" }, (s, b) => {
  server = s;
  browser = b;
});

test.skipIf(!hasChromium)("two tabs of one session keep refreshing their tokens without signing each other out", async () => {
  const session = await registerByApi(server, uniqueName("tabby"));
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("tabs") }, session.accessToken);
  const first = await signedIn(browser, server, session);
  people.push(first);
  const second = { ...first, page: await first.context.newPage() };
  screenshotOnFailure("session", () => [first.page, second.page]);
  for (const page of [first.page, second.page]) {
    await page.goto(`${server.url}/#/room/${room.id}`);
    await page.locator(".composer textarea").waitFor();
  }
  // Several token lifetimes pass; both tabs refresh (one rotates, the other adopts).
  await first.page.waitForTimeout(10_000);
  for (const [i, page] of [first.page, second.page].entries()) {
    await page.locator(".composer textarea").fill(`still here ${i}`);
    await page.locator(".composer textarea").press("Enter");
  }
  for (const page of [first.page, second.page]) {
    await page.locator(".msg[data-message-id] .msg-text", { hasText: "still here 0" }).waitFor();
    await page.locator(".msg[data-message-id] .msg-text", { hasText: "still here 1" }).waitFor();
    expect(await page.getByRole("button", { name: "Sign in" }).count()).toBe(0);
  }
  const stored = await first.page.evaluate(() => JSON.parse(localStorage.getItem("parley.session") ?? "null") as { refreshToken?: string });
  expect(stored?.refreshToken).not.toBe(session.refreshToken);
});
