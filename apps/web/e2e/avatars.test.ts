import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

/** Avatars (issue 16) in real Chromium against the production server. */
let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("avatars", {}, (s, b) => {
  server = s;
  browser = b;
});

/** A PNG drawn by the page (the size of a phone photo's thumbnail), as bytes for a file chooser. */
async function drawnPng(page: Page, width: number, height: number): Promise<Buffer> {
  const bytes = await page.evaluate(
    async ([w, h]) => {
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext("2d");
      if (!ctx) throw new Error("no 2d context");
      ctx.fillStyle = "#2f8f5b";
      ctx.fillRect(0, 0, w, h);
      const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("no blob"))), "image/png"));
      return [...new Uint8Array(await blob.arrayBuffer())];
    },
    [width, height] as const,
  );
  return Buffer.from(bytes);
}

/** Waits for an avatar image under `scope` to be decoded, and returns its natural size. */
async function loadedAvatar(page: Page, scope: string): Promise<[number, number]> {
  const handle = await page.waitForFunction((sel) => {
    const img = document.querySelector<HTMLImageElement>(`${sel} [data-testid="avatar-img"]`);
    return img?.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : null;
  }, scope);
  return (await handle.jsonValue()) as [number, number];
}

test.skipIf(!hasChromium)("an avatar uploaded in the account dialog shows for the others live, in the members list and the profile card, and removing it goes back to initials", async () => {
  const [a, b] = await Promise.all([registerByApi(server, uniqueName("pic")), registerByApi(server, uniqueName("see"))]);
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("faces") }, a.accessToken);
  await server.call("rooms.join", { roomId: room.id }, b.accessToken);
  const [owner, viewer] = await Promise.all([signedIn(browser, server, a), signedIn(browser, server, b)]);
  people.push(owner, viewer);
  screenshotOnFailure("avatars", () => [owner.page, viewer.page]);

  // The viewer has the room's members open before anything changes: the change must arrive live.
  await viewer.page.goto(`${server.url}/#/room/${room.id}`);
  await viewer.page.locator(".room-main .composer textarea").waitFor();
  const members = viewer.page.getByTestId("members-panel");
  const toggle = viewer.page.getByRole("button", { name: /^Members/ });
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  const ownerRow = members.locator(`[data-user-id="${a.user.id}"]`);
  await ownerRow.waitFor();
  expect(await ownerRow.getByTestId("avatar-img").count()).toBe(0);

  const { page } = owner;
  await page.getByTestId("open-settings").click();
  const section = page.getByTestId("settings-avatar");
  await section.getByRole("button", { name: "Upload a picture" }).waitFor();
  // Not an image: refused, said so, nothing changes.
  await section.getByTestId("avatar-input").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
  await section.getByRole("alert").getByText("An avatar must be a PNG, JPEG, GIF, WebP or AVIF image").waitFor();

  await section.getByTestId("avatar-input").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: await drawnPng(page, 400, 300) });
  await section.getByText("Avatar updated.").waitFor();
  // A square made by the server, in the dialog and in the sidebar's footer.
  expect(await loadedAvatar(page, '[data-testid="settings-avatar"]')).toEqual([192, 192]);
  expect(await loadedAvatar(page, ".sidebar-footer")).toEqual([192, 192]);

  expect(await loadedAvatar(viewer.page, `[data-testid="members-panel"] [data-user-id="${a.user.id}"]`)).toEqual([192, 192]);
  await ownerRow.getByTestId("profile-trigger").click();
  const card = viewer.page.getByTestId("profile-card");
  await card.waitFor();
  expect(await loadedAvatar(viewer.page, '[data-testid="profile-card"]')).toEqual([192, 192]);

  await section.getByRole("button", { name: "Remove" }).click();
  await section.getByText("Avatar removed.").waitFor();
  await section.getByRole("button", { name: "Upload a picture" }).waitFor();
  expect(await page.locator('.sidebar-footer [data-testid="avatar-img"]').count()).toBe(0);
  await card.locator('[data-testid="avatar-img"]').waitFor({ state: "detached" });
  await ownerRow.locator('[data-testid="avatar-img"]').waitFor({ state: "detached" });
});
