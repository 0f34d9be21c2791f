import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import { hasChromium, newContext, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

/**
 * The "Server settings" screen (issue 18), in Chromium against the built
 * server: an admin deactivates a member, creates an invite link and makes
 * registration invite-only, the audit log shows it all, and a stranger
 * registers through the link (once: it had one use). A member sees no such
 * screen.
 */

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("admin", {}, (s, b) => {
  server = s;
  browser = b;
});

test.skipIf(!hasChromium)("an admin manages users, invites and registration, and a stranger joins through the invite link", async () => {
  // The first account of the server is its admin.
  const admin = await registerByApi(server, uniqueName("boss"));
  const member = await registerByApi(server, uniqueName("staff"));
  expect(await server.call("admin.users.setRole", { userId: admin.user.id, role: "admin" }, admin.accessToken)).toMatchObject({ role: "admin" });

  const boss = await signedIn(browser, server, admin);
  const staff = await signedIn(browser, server, member);
  people.push(boss, staff);
  screenshotOnFailure("admin", () => [boss.page, staff.page]);
  const page = boss.page;

  // A member has no server settings.
  await staff.page.getByRole("button", { name: "Sign out" }).waitFor();
  expect(await staff.page.getByTestId("server-settings").count()).toBe(0);

  await page.getByTestId("server-settings").click();
  const dialog = page.getByTestId("server-settings-dialog");
  await dialog.getByRole("heading", { name: "Server settings" }).waitFor();

  // Users: deactivate the member; their session stops working.
  const row = dialog.getByTestId(`admin-user-${member.user.username}`);
  await row.getByRole("button", { name: "Deactivate" }).click();
  await row.getByText("Deactivated").waitFor();
  await expect(server.call("auth.me", undefined, member.accessToken)).rejects.toThrow();
  // Their open tab is signed out.
  await staff.page.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 10_000 });

  // Invites: one link with one use.
  await dialog.getByRole("tab", { name: "Invites" }).click();
  await dialog.getByLabel("Uses (empty: any)").fill("1");
  await dialog.getByRole("button", { name: "Create invite link" }).click();
  const link = (await dialog.getByTestId("invite-link").first().textContent())?.trim() ?? "";
  expect(link).toMatch(new RegExp(`^${server.url}/invite/[A-Za-z0-9_-]{16,}$`));

  // Registration: by invitation only.
  await dialog.getByRole("tab", { name: "Registration" }).click();
  await dialog.getByRole("radio", { name: /By invitation/ }).check();
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.getByRole("status").getByText("Saved.").waitFor();
  await expect(server.call("auth.register", { username: uniqueName("walkin"), email: "walkin@example.test", password: "correct horse battery" })).rejects.toThrow(/invitation/);

  // The audit log has all three.
  await dialog.getByRole("tab", { name: "Audit log" }).click();
  const audit = dialog.getByTestId("admin-audit");
  for (const action of ["settings.update", "invite.create", "user.deactivate"]) await audit.getByText(action).waitFor();

  // A stranger opens the link: registration, with the code; it works once.
  const stranger = await newContext(browser);
  people.push({ context: stranger, page: await stranger.newPage(), username: "stranger" });
  const invited = await stranger.newPage();
  await invited.goto(link);
  const name = uniqueName("newbie");
  await invited.getByLabel("Username").fill(name);
  await invited.getByLabel("E-mail").fill(`${name}@example.test`);
  await invited.getByLabel("Password").fill("correct horse battery");
  await invited.getByRole("button", { name: "Create account" }).click();
  await invited.getByTestId("me-name").getByText(name).waitFor();
  expect(new URL(invited.url()).pathname).toBe("/");

  const late = await newContext(browser);
  people.push({ context: late, page: await late.newPage(), username: "late" });
  const second = await late.newPage();
  await second.goto(link);
  const other = uniqueName("toolate");
  await second.getByLabel("Username").fill(other);
  await second.getByLabel("E-mail").fill(`${other}@example.test`);
  await second.getByLabel("Password").fill("correct horse battery");
  await second.getByRole("button", { name: "Create account" }).click();
  await second.getByText(/no longer valid/).waitFor();
});
