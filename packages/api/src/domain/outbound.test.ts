import { describe, expect, it } from "vitest";
import { checkOutboundUrl, guardedLookup, isNonPublicAddress, parsePolicy } from "./outbound.ts";

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
