import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  hasChromium,
  launchBrowser, newContext, ParleyProcess, registerByApi, screenshotOnFailure, takePageErrors, uniqueName } from "./harness.ts";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let server: ParleyProcess;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  [server, browser] = await Promise.all([ParleyProcess.start("a11y"), launchBrowser()]);
});

afterEach(() => {
  expect(takePageErrors(), "errors in the page").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe (WCAG 2 A and AA rules) on the page and returns serious and critical findings. */
async function audit(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations;
  });
  return (violations as Violation[])
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe.skipIf(!hasChromium)("accessibility (axe, WCAG 2.1 A/AA)", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    test(`the sign-in form, a room and the dialogs have no serious findings (${colorScheme})`, async () => {
      const session = await registerByApi(server, uniqueName("ally"));
      const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("access"), description: "Checked" }, session.accessToken);
      const hello = await server.call<{ id: number }>(
        "messages.send",
        { roomId: room.id, content: "Hello https://example.com", clientId: "a1" },
        session.accessToken,
      );
      // A message with everything issue 12 shows: edited, reacted to, and a thread.
      await server.call("messages.edit", { messageId: hello.id, content: "Hello https://example.com (fixed)" }, session.accessToken);
      await server.call("messages.react", { messageId: hello.id, emoji: "👍" }, session.accessToken);
      await server.call("messages.send", { roomId: room.id, content: "a reply", clientId: "a2", threadId: hello.id }, session.accessToken);
      // Issue 17's author line: a webhook's post with a name override (via webhook, BOT badge), checked in both themes.
      const hook = await server.call<{ url: string }>("webhooks.create", { roomId: room.id, name: "CI" }, session.accessToken);
      const posted = await fetch(`${server.url}${hook.url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "build passed", username: "Jenkins" }) });
      expect(posted.status).toBe(200);
      // axe is injected as a script, which the app's CSP would rightly refuse.
      const context = await newContext(browser, { bypassCSP: true, colorScheme, viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      screenshotOnFailure(`a11y-${colorScheme}`, () => [page]);
      try {
        await page.goto(server.url);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByText("Enter your password").waitFor();
        expect(await audit(page)).toEqual([]);

        await page.evaluate((s) => localStorage.setItem("parley.session", s), JSON.stringify(session));
        await page.goto(`${server.url}/#/room/${room.id}`);
        await page.reload();
        await page.locator(".msg-text", { hasText: "Hello" }).waitFor();
        await page.locator(".bot-badge").first().waitFor();
        await page.getByTestId("members-panel").waitFor();
        expect(await audit(page)).toEqual([]);

        await page.getByRole("button", { name: "1 reply" }).click();
        await page.getByTestId("thread-panel").locator(".msg-text", { hasText: "a reply" }).waitFor();
        await page.locator(".room-main .msg", { hasText: "Hello" }).hover();
        expect(await audit(page)).toEqual([]);
        await page.getByRole("button", { name: "Close thread" }).click();

        // The emoji picker (a third-party web component, loaded on first use).
        await page.locator(".room-main .msg", { hasText: "Hello" }).hover();
        await page.locator(".room-main .msg", { hasText: "Hello" }).getByRole("button", { name: "Add reaction" }).click();
        await page.getByTestId("emoji-picker-dialog").locator("emoji-picker input").waitFor();
        expect(await audit(page)).toEqual([]);
        await page.keyboard.press("Escape");

        await page.getByRole("button", { name: "New message" }).click();
        await page.locator('[data-testid="new-dm-dialog"][open]').waitFor();
        expect(await audit(page)).toEqual([]);
        await page.keyboard.press("Escape");

        await page.getByRole("button", { name: "Settings" }).click();
        await page.getByTestId("room-settings").getByRole("button", { name: "Delete room" }).click();
        await page.locator('[data-testid="confirm-dialog"][open]').waitFor();
        expect(await audit(page)).toEqual([]);
        await page.keyboard.press("Escape");
        await page.keyboard.press("Escape");

        // Issue 13: a profile card, and the account settings (profile, password, sessions, theme).
        await page.locator(".room-main .msg", { hasText: "Hello" }).getByTestId("profile-trigger").click();
        await page.locator('[data-testid="profile-card"][open]').getByTestId("profile-name").waitFor();
        expect(await audit(page)).toEqual([]);
        await page.keyboard.press("Escape");
        await page.getByTestId("open-settings").click();
        await page.locator('[data-testid="settings"][open]').getByTestId("session").first().waitFor();
        expect(await audit(page)).toEqual([]);
        await page.keyboard.press("Escape");

        // Issue 13: the Ctrl/Cmd+K quick switcher, open with results (a room and the active option).
        await page.keyboard.press("Control+k");
        await page.getByRole("combobox", { name: /Room, direct message or person/ }).waitFor();
        await page.keyboard.type("access");
        await page.locator('[data-testid="quick-switcher"][open]').getByRole("option", { name: /access/ }).first().waitFor();
        expect(await audit(page)).toEqual([]);
        await page.keyboard.press("Escape");

        await page.getByRole("button", { name: "Browse rooms" }).first().click();
        await page.getByTestId("browse-list").waitFor();
        expect(await audit(page)).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
