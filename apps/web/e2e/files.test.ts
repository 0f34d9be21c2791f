import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

/** Files in the web app (issue 16), in real Chromium against the production server. */
let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("files", {}, (s, b) => {
  server = s;
  browser = b;
});

test.skipIf(!hasChromium)("a pasted image uploads, shows as a thumbnail, opens in a lightbox and downloads", async () => {
  const session = await registerByApi(server, uniqueName("pixel"));
  const room = await server.call<{ id: number }>("rooms.create", { name: "pictures" }, session.accessToken);
  const p = await signedIn(browser, server, session);
  people.push(p);
  screenshotOnFailure("files", () => [p.page]);
  const { page } = p;
  await page.goto(`${server.url}/#/room/${room.id}`);
  const composer = page.locator(".composer textarea");
  await composer.waitFor();

  // A real PNG drawn by the page, pasted as the clipboard's file.
  const size = await composer.evaluate(async (el) => {
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 400;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2d context");
    ctx.fillStyle = "#c83c5a";
    ctx.fillRect(0, 0, 640, 400);
    const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("no blob"))), "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "pasted.png", { type: "image/png" }));
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    return blob.size;
  });
  await page.locator('[data-testid="upload-item"][data-status="ready"]').waitFor();
  await composer.press("Enter");

  const thumb = page.getByTestId("attachment-thumb");
  await thumb.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="attachment-thumb"]');
    return img?.complete === true && img.naturalWidth > 0;
  });
  // The 320 px preview of a 640 × 400 image.
  expect(await thumb.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([320, 200]);
  expect(await page.locator('[data-testid="upload-item"]').count()).toBe(0);

  await page.getByRole("button", { name: "Open pasted.png" }).click();
  const lightbox = page.getByTestId("lightbox");
  await lightbox.locator(".lightbox-image").waitFor();
  await page.waitForFunction(() => (document.querySelector<HTMLImageElement>(".lightbox-image")?.naturalWidth ?? 0) > 0);
  expect(await lightbox.locator(".lightbox-image").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);

  const downloading = page.waitForEvent("download");
  await lightbox.getByRole("button", { name: "Download" }).click();
  const file = await downloading;
  expect(file.suggestedFilename()).toBe("pasted.png");
  const path = await file.path();
  expect(readFileSync(path).length).toBe(size);
});

test.skipIf(!hasChromium)("the thread composer attaches a picked file and a pasted image; the other member sees both in the thread", async () => {
  const [a, b] = await Promise.all([registerByApi(server, uniqueName("ask")), registerByApi(server, uniqueName("ans"))]);
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("threadfiles") }, a.accessToken);
  await server.call("rooms.join", { roomId: room.id }, b.accessToken);
  const root = await server.call<{ id: number }>("messages.send", { roomId: room.id, content: "send me the logs", clientId: "root-1" }, a.accessToken);
  const [asker, answerer] = await Promise.all([signedIn(browser, server, a), signedIn(browser, server, b)]);
  people.push(asker, answerer);
  screenshotOnFailure("thread-files", () => [asker.page, answerer.page]);
  for (const p of [asker.page, answerer.page]) await p.goto(`${server.url}/#/room/${room.id}`);

  const { page } = answerer;
  const rootMsg = page.locator(`.room-main .msg[data-message-id="${root.id}"]`);
  await rootMsg.hover();
  await rootMsg.getByRole("button", { name: "Reply in thread", exact: true }).click();
  const panel = page.getByTestId("thread-panel");
  const composer = panel.locator(".composer textarea");
  await composer.waitFor();

  // A file picked through the thread composer's own attach button…
  const picked = panel.locator(".composer").getByRole("button", { name: "Attach files" });
  const chooser = page.waitForEvent("filechooser");
  await picked.click();
  await (await chooser).setFiles({ name: "server.log", mimeType: "text/plain", buffer: Buffer.from("line 1\nline 2\n") });
  // …and an image pasted into it.
  await composer.evaluate(async (el) => {
    const canvas = document.createElement("canvas");
    canvas.width = 200;
    canvas.height = 100;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2d context");
    ctx.fillStyle = "#3c5ac8";
    ctx.fillRect(0, 0, 200, 100);
    const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((x) => (x ? resolve(x) : reject(new Error("no blob"))), "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "screen.png", { type: "image/png" }));
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await panel.locator('[data-testid="upload-item"][data-status="ready"]').nth(1).waitFor();
  // The room's composer has none of them.
  expect(await page.locator('.room-main [data-testid="upload-item"]').count()).toBe(0);
  await composer.fill("here they are");
  await composer.press("Enter");
  const reply = panel.locator('.msg[data-status="sent"]', { hasText: "here they are" });
  await reply.waitFor();
  expect(await panel.locator('[data-testid="upload-item"]').count()).toBe(0);

  // The asker opens the thread from the root's summary and sees the card and the preview.
  const other = asker.page;
  await other.locator(`.room-main .msg[data-message-id="${root.id}"]`).getByRole("button", { name: "1 reply" }).click();
  const theirs = other.getByTestId("thread-panel").locator(".msg", { hasText: "here they are" });
  await theirs.getByTestId("file-card").filter({ hasText: "server.log" }).waitFor();
  await theirs.getByTestId("attachment-thumb").waitFor();
  await other.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="thread-panel"] [data-testid="attachment-thumb"]');
    return img?.complete === true && img.naturalWidth > 0;
  });
  expect(await theirs.getByTestId("attachment-thumb").evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([200, 100]);
  // The reply stays in its thread: the room's timeline shows no attachment.
  expect(await other.locator(".room-main .attachments").count()).toBe(0);

  const downloading = other.waitForEvent("download");
  await theirs.getByRole("button", { name: "Download server.log" }).click();
  expect(readFileSync(await (await downloading).path(), "utf8")).toBe("line 1\nline 2\n");
});
