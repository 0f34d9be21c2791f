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
