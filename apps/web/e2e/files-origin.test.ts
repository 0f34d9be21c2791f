import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

/**
 * FILES_ORIGIN (issue 16) in real Chromium: downloads are redirected to
 * another origin (here files.localhost, which Chromium resolves to this
 * machine), and the app's CSP must let the preview through from there.
 */
let server: ParleyProcess;
let browser: Browser;
let filesOrigin = "";
const people = useE2eServer(
  "files-origin",
  (port) => {
    filesOrigin = `http://files.localhost:${port}`;
    return { FILES_ORIGIN: filesOrigin };
  },
  (s, b) => {
    server = s;
    browser = b;
  },
);

test.skipIf(!hasChromium)("the app's CSP names the files origin, and an image preview loads from it", async () => {
  const html = await fetch(`${server.url}/`);
  const csp = html.headers.get("content-security-policy") ?? "";
  for (const directive of ["connect-src", "img-src", "media-src"]) {
    expect(csp.split("; ").find((d) => d.startsWith(`${directive} `))).toContain(filesOrigin);
  }

  const session = await registerByApi(server, uniqueName("origin"));
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("remote") }, session.accessToken);
  const p = await signedIn(browser, server, session);
  people.push(p);
  screenshotOnFailure("files-origin", () => [p.page]);
  const { page } = p;
  const fromFilesOrigin: string[] = [];
  const refused: string[] = [];
  page.on("response", (r) => {
    if (r.url().startsWith(filesOrigin)) fromFilesOrigin.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) refused.push(m.text());
  });
  await page.goto(`${server.url}/#/room/${room.id}`);
  const composer = page.locator(".composer textarea");
  await composer.waitFor();
  await composer.evaluate(async (el) => {
    const canvas = document.createElement("canvas");
    canvas.width = 480;
    canvas.height = 240;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2d context");
    ctx.fillStyle = "#8a5ac8";
    ctx.fillRect(0, 0, 480, 240);
    const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("no blob"))), "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "far.png", { type: "image/png" }));
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await page.locator('[data-testid="upload-item"][data-status="ready"]').waitFor();
  await composer.press("Enter");

  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="attachment-thumb"]');
    return img?.complete === true && img.naturalWidth > 0;
  });
  expect(await page.getByTestId("attachment-thumb").evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([320, 160]);
  // The bytes came from the files origin, by a signed URL.
  expect(fromFilesOrigin.some((r) => /^200 \/files\/[\w-]{22}\/thumb$/.test(r))).toBe(true);
  expect(refused).toEqual([]);
});
