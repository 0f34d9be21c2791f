import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, test } from "vitest";
import { type ApiSession, hasChromium, launchBrowser, type Person, ParleyProcess, registerByApi, signedIn } from "./harness.ts";

/**
 * Screenshots of the main screens for the README (desktop and phone, light
 * and dark). Only with PARLEY_SCREENSHOTS=1: `PARLEY_SCREENSHOTS=1 npx vitest
 * run --project @parley/web e2e/screenshots.test.ts`.
 */
const enabled = process.env.PARLEY_SCREENSHOTS === "1" && hasChromium;
const outDir = fileURLToPath(new URL("../../../docs/screenshots", import.meta.url));

let server: ParleyProcess;
let browser: Browser;
const people: Person[] = [];

beforeAll(async () => {
  if (!enabled) return;
  [server, browser] = await Promise.all([ParleyProcess.start("screenshots"), launchBrowser()]);
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => undefined);
  await browser?.close();
  await server?.dispose();
});

test.skipIf(!enabled)("screenshots of the main screens", async () => {
  mkdirSync(outDir, { recursive: true });
  const [maya, jon, priya, sam] = await Promise.all(["maya", "jon.ortiz", "priya_k", "sam"].map((n) => registerByApi(server, n)));
  if (!maya || !jon || !priya || !sam) throw new Error("seed failed");
  const as = <T>(s: ApiSession, path: string, input: unknown) => server.call<T>(path, input, s.accessToken);
  const design = await as<{ id: number }>(maya, "rooms.create", { name: "design-crit", description: "Work in progress, kind words, sharp eyes" });
  await as(maya, "rooms.create", { name: "general", description: "Everything and nothing" });
  await as(maya, "rooms.create", { name: "launch-plan", description: "Q1 launch, need-to-know", isPrivate: true });
  await as(jon, "rooms.create", { name: "random", description: "Cats, links, lunch" });
  await as(jon, "rooms.create", { name: "frontend-guild", description: "Solid, CSS and accessibility" });
  for (const s of [jon, priya, sam]) await as(s, "rooms.join", { roomId: design.id });
  const lines: [ApiSession, string][] = [
    [jon, "Morning! I pushed the new onboarding flow to staging."],
    [jon, "Three screens instead of five. The password rules are now shown up front."],
    [priya, "Nice. The progress dots feel much calmer than the old stepper."],
    [maya, "Agreed. One thing: the skip link on step 2 is hard to see in dark mode."],
    [maya, "Contrast is about 3:1 there, we need 4.5:1 for body text."],
    [sam, "I can take that :thumbsup: Checking the tokens in `theme.css` now."],
    [jon, "Spec is here if anyone wants to comment: https://example.com/specs/onboarding-v3"],
    [priya, "Left two notes. Otherwise ship it!\nI'd love to see it on a phone first though."],
    // Rich text (issue 13): a list, emphasis, a mention, a room chip and a highlighted code block.
    [sam, "@maya fixed in #design-crit terms:\n- **dark**: 4.8:1\n- _light_: 7.2:1\n```css\n.skip-link {\n  color: var(--text-strong);\n}\n```"],
  ];
  let n = 0;
  const ids: number[] = [];
  for (const [s, text] of lines) ids.push((await as<{ id: number }>(s, "messages.send", { roomId: design.id, content: text, clientId: `shot${n++}` })).id);
  // Conversations (issue 12): an edit, reactions, a thread, direct messages.
  const [pushed, , calmer, , contrast, , spec] = ids;
  if (pushed === undefined || calmer === undefined || contrast === undefined || spec === undefined) throw new Error("seed failed");
  await as(maya, "messages.edit", { messageId: contrast, content: "Contrast is about 3:1 there; we need 4.5:1 for body text." });
  for (const [s, emoji] of [[priya, "🎉"], [sam, "🎉"], [maya, "🎉"], [maya, "👀"]] as const) await as(s, "messages.react", { messageId: pushed, emoji });
  for (const s of [jon, sam]) await as(s, "messages.react", { messageId: calmer, emoji: "💯" });
  await as(priya, "messages.send", { roomId: design.id, content: "Do we keep the old copy for the error states?", clientId: "t1", threadId: spec });
  await as(jon, "messages.send", { roomId: design.id, content: "Yes, only the layout changes in v3.", clientId: "t2", threadId: spec });
  const dm = await as<{ id: number }>(maya, "dms.open", { userIds: [jon.user.id] });
  await as(jon, "messages.send", { roomId: dm.id, content: "Got a minute after standup?", clientId: "d1" });
  await as(maya, "dms.open", { userIds: [priya.user.id, sam.user.id] });

  // Others are online (their own browsers), so presence dots show.
  for (const s of [jon, priya]) people.push(await signedIn(browser, server, s));

  const shoot = async (
    name: string,
    opts: { viewport: { width: number; height: number }; colorScheme: "light" | "dark"; drawer?: boolean; auth?: boolean },
  ) => {
    const p = opts.auth
      ? await (async () => {
          const context = await browser.newContext({ viewport: opts.viewport, colorScheme: opts.colorScheme });
          const page = await context.newPage();
          await page.goto(server.url);
          await page.getByRole("button", { name: "Sign in" }).waitFor();
          return { context, page, username: "" };
        })()
      : await signedIn(browser, server, maya, { viewport: opts.viewport, colorScheme: opts.colorScheme });
    people.push(p);
    const { page } = p;
    if (!opts.auth) {
      await page.goto(`${server.url}/#/room/${design.id}`);
      await page.locator(".msg-text", { hasText: "ship it" }).waitFor();
      await page.locator(".msg-text .hljs-attribute, .msg-text pre span").first().waitFor();
      await as(sam, "rooms.typing", { roomId: design.id, isTyping: false });
      await as(sam, "rooms.typing", { roomId: design.id, isTyping: true });
      await page.getByTestId("typing-indicator").getByText("sam is typing…").waitFor();
      if (opts.drawer) {
        await page.getByRole("button", { name: "Open rooms menu" }).click();
        await page.waitForTimeout(300);
      }
    }
    await page.waitForTimeout(200);
    await page.screenshot({ path: `${outDir}/${name}.png` });
  };

  await shoot("desktop-light", { viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  await shoot("desktop-dark", { viewport: { width: 1440, height: 900 }, colorScheme: "dark" });
  await shoot("phone-light", { viewport: { width: 390, height: 844 }, colorScheme: "light" });
  await shoot("phone-dark-drawer", { viewport: { width: 390, height: 844 }, colorScheme: "dark", drawer: true });
  // A thread open beside the room, a message's actions showing.
  const threads = await signedIn(browser, server, maya, { viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  people.push(threads);
  await threads.page.goto(`${server.url}/#/room/${design.id}`);
  await threads.page.getByRole("button", { name: "2 replies" }).click();
  await threads.page.getByTestId("thread-panel").locator(".msg-text", { hasText: "only the layout" }).waitFor();
  await threads.page.locator(".room-main .msg", { hasText: "calmer" }).hover();
  await threads.page.waitForTimeout(200);
  await threads.page.screenshot({ path: `${outDir}/thread-light.png` });

  await shoot("sign-in-light", { viewport: { width: 1280, height: 800 }, colorScheme: "light", auth: true });

  // Browsing public rooms, and creating one.
  const browsing = await signedIn(browser, server, maya, { viewport: { width: 1280, height: 800 }, colorScheme: "dark" });
  people.push(browsing);
  await browsing.page.getByRole("button", { name: "Browse rooms" }).first().click();
  await browsing.page.getByRole("button", { name: "Join random" }).waitFor();
  await browsing.page.screenshot({ path: `${outDir}/browse-dark.png` });
  await browsing.page.getByRole("button", { name: "Create room" }).click();
  await browsing.page.getByTestId("create-room-dialog").getByLabel("Name", { exact: true }).fill("release-train");
  await browsing.page.waitForTimeout(200);
  await browsing.page.screenshot({ path: `${outDir}/create-room-dark.png` });

  // The server goes away: the banner says so and counts down; a message waits as pending.
  const phone = await signedIn(browser, server, maya, { viewport: { width: 390, height: 844 }, colorScheme: "light" });
  people.push(phone);
  await phone.page.goto(`${server.url}/#/room/${design.id}`);
  await phone.page.locator(".msg-text", { hasText: "ship it" }).waitFor();
  await server.stopProcess();
  await phone.page.locator('[data-testid="connection-banner"][data-status="reconnecting"]').waitFor();
  await phone.page.locator(".composer textarea").fill("On it, will post a phone recording in a bit");
  await phone.page.locator(".composer textarea").press("Enter");
  await phone.page.waitForTimeout(1500);
  await phone.page.screenshot({ path: `${outDir}/phone-reconnecting-light.png` });
}, 120_000);
