import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, httpApi, signInAdmin, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";

/**
 * Who may register (issue 18): open, by invitation, or closed, changed by an
 * admin at run time and stored in the database; an optional e-mail domain
 * allowlist.
 */

let server: TestServer;
let admin: TestUser;
beforeAll(async () => {
  server = await startTestServer({ REGISTRATION: "invite" });
  admin = await signInAdmin(server);
});
afterAll(() => server.dispose());

let seq = 0;
const register = (inviteCode?: string, domain = "example.com") => {
  const username = `reg${++seq}`;
  return httpApi(server).auth.register.mutate({ username, email: `${username}@${domain}`, password: "correct horse", ...(inviteCode ? { inviteCode } : {}) });
};

describe("registration by invitation", () => {
  it("admits a valid invite up to its uses, and refuses a used-up one, an expired one, a revoked one and none", async () => {
    expect(await admin.http.admin.settings.get.query()).toMatchObject({ registration: "invite" });
    const invite = await admin.http.invites.create.mutate({ maxUses: 2, expiresIn: 3600 });
    expect(invite.link).toBe(`/invite/${invite.code}`);
    expect(invite.code.length).toBeGreaterThanOrEqual(20);

    expect(await codeOf(register())).toBe("FORBIDDEN");
    expect(await codeOf(register("no-such-invite-code"))).toBe("FORBIDDEN");
    const first = await register(invite.code);
    expect(first.user.role).toBe("member");
    await register(invite.code);
    expect(await codeOf(register(invite.code))).toBe("FORBIDDEN");
    const listed = (await admin.http.invites.list.query()).find((i) => i.code === invite.code);
    expect(listed).toMatchObject({ uses: 2, maxUses: 2, revokedAt: null });

    // Expired: its time has passed (written straight to the database, as an hour going by would).
    const expiring = await admin.http.invites.create.mutate({ expiresIn: 60 });
    await server.svc.db.updateTable("invites").set({ expires_at: Date.now() - 1 }).where("code", "=", expiring.code).execute();
    expect(await codeOf(register(expiring.code))).toBe("FORBIDDEN");

    const revoked = await admin.http.invites.create.mutate({});
    await admin.http.invites.revoke.mutate({ code: revoked.code });
    expect(await codeOf(register(revoked.code))).toBe("FORBIDDEN");
    expect(await codeOf(admin.http.invites.revoke.mutate({ code: "no-such-invite-code" }))).toBe("NOT_FOUND");
  });

  it("spends no use on a registration that fails (a taken username)", async () => {
    const invite = await admin.http.invites.create.mutate({ maxUses: 1 });
    const taken = await codeOf(httpApi(server).auth.register.mutate({ username: "root", email: "x@example.com", password: "correct horse", inviteCode: invite.code }));
    expect(taken).toBe("CONFLICT");
    expect((await register(invite.code)).user.username).toMatch(/^reg/);
  });

  it("lets concurrent registrations spend no more uses than the invite has", async () => {
    const invite = await admin.http.invites.create.mutate({ maxUses: 3 });
    const codes = await Promise.all(Array.from({ length: 8 }, () => codeOf(register(invite.code))));
    expect(codes.filter((c) => c === "OK")).toHaveLength(3);
    expect(codes.filter((c) => c !== "OK").every((c) => c === "FORBIDDEN")).toBe(true);
  });

  it("is refused invalid input with a typed error", async () => {
    expect(await codeOf(admin.http.invites.create.mutate({ maxUses: 0 }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.http.invites.create.mutate({ expiresIn: 1 }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.http.admin.settings.update.mutate({}))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.http.admin.settings.update.mutate({ emailDomains: ["not a domain"] }))).toBe("BAD_REQUEST");
  });
});

describe("registration settings at run time", () => {
  it("open, closed and an e-mail domain allowlist take effect at once, and are audited", async () => {
    await admin.http.admin.settings.update.mutate({ registration: "open" });
    expect((await register()).user.id).toBeGreaterThan(0);
    await admin.http.admin.settings.update.mutate({ registration: "closed" });
    const invite = await admin.http.invites.create.mutate({});
    expect(await codeOf(register())).toBe("FORBIDDEN");
    expect(await codeOf(register(invite.code))).toBe("FORBIDDEN");

    await admin.http.admin.settings.update.mutate({ registration: "open", emailDomains: ["Team.Example"] });
    expect(await admin.http.admin.settings.get.query()).toEqual({ registration: "open", emailDomains: ["team.example"] });
    expect(await codeOf(register(undefined, "elsewhere.example"))).toBe("FORBIDDEN");
    expect((await register(undefined, "team.example")).user.email).toMatch(/@team\.example$/);

    // Stored in the database: a restart (or any other node) reads the same.
    server = await server.restart();
    admin = await signInAdmin(server);
    expect(await admin.http.admin.settings.get.query()).toEqual({ registration: "open", emailDomains: ["team.example"] });
    await admin.http.admin.settings.update.mutate({ emailDomains: [] });
    expect((await register(undefined, "elsewhere.example")).user.id).toBeGreaterThan(0);
    const actions = (await admin.http.admin.audit.list.query()).items.filter((a) => a.action === "settings.update");
    expect(actions.length).toBe(4);
  });
});

describe("a fresh invite-only or closed server", () => {
  it("lets its first account (its admin) register without an invite, and nobody after", async () => {
    for (const mode of ["invite", "closed"]) {
      const fresh = await startTestServer({ REGISTRATION: mode }, undefined, {}, { seedAdmin: false });
      try {
        const reg = (username: string) => httpApi(fresh).auth.register.mutate({ username, email: `${username}@example.com`, password: "correct horse" });
        expect((await reg("founder")).user.role).toBe("admin");
        expect(await codeOf(reg("second"))).toBe("FORBIDDEN");
      } finally {
        await fresh.dispose();
      }
    }
  });
});
