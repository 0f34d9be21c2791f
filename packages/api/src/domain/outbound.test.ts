import { createECDH, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkOutboundUrl, guardedLookup, integrationPolicy, isNonPublicAddress, parsePolicy, pushPolicy } from "./outbound.ts";
import { deliver, generateVapidKeys } from "./push-delivery.ts";
import { signedPost } from "./signed-post.ts";

describe("the outbound SSRF filter", () => {
  it("knows private, loopback, link-local and mapped addresses from public ones", () => {
    for (const a of ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::"]) {
      expect([a, isNonPublicAddress(a)]).toEqual([a, true]);
    }
    for (const a of ["8.8.8.8", "142.250.74.46", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect([a, isNonPublicAddress(a)]).toEqual([a, false]);
  });

  it("takes public HTTPS, and private or plain HTTP only for an allowed host", () => {
    const none = parsePolicy([]);
    expect(checkOutboundUrl("https://fcm.googleapis.com/fcm/send/abc", none).host).toBe("fcm.googleapis.com");
    for (const u of ["http://fcm.googleapis.com/x", "https://127.0.0.1/x", "https://[::1]:8443/x", "https://localhost/x", "https://a.localhost/x", "not a url"]) {
      expect(() => checkOutboundUrl(u, none)).toThrow();
    }
    const allowed = parsePolicy(["127.0.0.1", " Push.Internal "]);
    expect(checkOutboundUrl("http://127.0.0.1:9999/push/x", allowed).port).toBe("9999");
    expect(checkOutboundUrl("http://push.internal/x", allowed).hostname).toBe("push.internal");
  });

  it("refuses at connect time a name that resolves to a private address", async () => {
    const lookup = guardedLookup(parsePolicy([]));
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup("localhost", {}, (e) => resolve(e)));
    expect(err?.code).toBe("EOUTBOUNDBLOCKED");
    const ok = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup(parsePolicy(["localhost"]))("localhost", {}, (e) => resolve(e)));
    expect(ok).toBeNull();
  });
});

describe("one policy for both callers", () => {
  it("differs between push and integrations only in scheme; allow lists take names, addresses and CIDR ranges", () => {
    expect(checkOutboundUrl("http://hooks.example.com/x", integrationPolicy([])).protocol).toBe("http:");
    expect(() => checkOutboundUrl("http://push.example.com/x", pushPolicy([]))).toThrow(/HTTPS/);
    for (const policy of [pushPolicy([]), integrationPolicy([])]) {
      for (const u of ["https://127.0.0.1/x", "https://10.0.0.5/x", "https://[fd00::1]/x", "https://localhost/x", "https://u:p@example.com/x"]) expect(() => checkOutboundUrl(u, policy)).toThrow();
    }
    const ranged = integrationPolicy(["10.0.0.0/8", "[fd00::1]", "Relay.Internal"]);
    expect(checkOutboundUrl("http://10.1.2.3:8080/x", ranged).hostname).toBe("10.1.2.3");
    expect(checkOutboundUrl("http://[fd00::1]/x", ranged).hostname).toBe("[fd00::1]");
    expect(checkOutboundUrl("http://relay.internal/x", ranged).hostname).toBe("relay.internal");
    expect(() => checkOutboundUrl("http://192.168.1.1/x", ranged)).toThrow(/192\.168\.1\.1 is not allowed/);
    // A malformed range is taken as a host name, never as "everything".
    expect(() => checkOutboundUrl("http://10.0.0.1/x", integrationPolicy(["10.0.0.0/99"]))).toThrow();
  });

  it("a name resolving inward is refused at connect time unless its address is in an allowed range", async () => {
    const resolved = (policy: ReturnType<typeof parsePolicy>) =>
      new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup(policy)("localhost", { all: true }, (e) => resolve(e)));
    expect((await resolved(integrationPolicy([])))?.message).toMatch(/is not allowed/);
    expect(await resolved(integrationPolicy(["127.0.0.0/8", "::1"]))).toBeNull();
  });
});

describe("the filter on both callers' real requests", () => {
  let receiver: Server;
  let base = "";
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        seen.push({ url: req.url ?? "", headers: req.headers });
        res.writeHead(201, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    receiver.closeAllConnections();
    receiver.close();
  });

  const post = (path: string, allowHosts: readonly string[]) =>
    signedPost({ url: `${base}${path}`, secret: "s", body: "{}", nowMs: Date.now(), timeoutMs: 3000, allowHosts });

  it("integrations (webhooks, commands): loopback refused by default, reached when WEBHOOK_ALLOW_HOSTS lists it or its range", async () => {
    await expect(post("/hook-refused", [])).rejects.toThrow(/127\.0\.0\.1 is not allowed/);
    expect(await post("/hook-listed", ["127.0.0.1"])).toMatchObject({ status: 201 });
    expect(await post("/hook-ranged", ["127.0.0.0/8"])).toMatchObject({ status: 201 });
    expect(seen.filter((r) => r.url.startsWith("/hook")).map((r) => r.url)).toEqual(["/hook-listed", "/hook-ranged"]);
    expect(seen.find((r) => r.url === "/hook-listed")?.headers["x-parley-signature"]).toMatch(/^v0=[0-9a-f]{64}$/);
  });

  it("Web Push: loopback refused by default, reached when PUSH_ALLOW_HOSTS lists it", async () => {
    const target = { p256dh: createECDH("prime256v1").generateKeys("base64url"), auth: randomBytes(16).toString("base64url") };
    const vapid = { ...generateVapidKeys(), subject: "mailto:test@example.com" };
    const message = { payload: "{}", topic: "room-1", urgency: "normal" as const, ttlSeconds: 60 };
    const refused = await deliver({ ...target, endpoint: `${base}/push-refused` }, message, vapid, pushPolicy([]));
    expect(refused).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/HTTPS|not allowed/) });
    expect(await deliver({ ...target, endpoint: `${base}/push-listed` }, message, vapid, pushPolicy(["127.0.0.1"]))).toEqual({ ok: true, status: 201 });
    expect(seen.filter((r) => r.url.startsWith("/push")).map((r) => r.url)).toEqual(["/push-listed"]);
  });
});
