import http from "node:http";
import https from "node:https";
import webpush from "web-push";
import { checkOutboundUrl, guardedLookup, type OutboundPolicy } from "./outbound.ts";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** A `mailto:` or `https:` contact for push services (RFC 8292). */
  subject: string;
}

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushMessage {
  payload: string;
  /** Collapses notifications of one room at the push service (RFC 8030 `Topic`): only the latest waits for an offline device. */
  topic: string;
  urgency: "normal" | "high";
  ttlSeconds: number;
}

/** What a push service answered: `gone` (404/410) means drop the subscription. */
export type DeliveryOutcome = { ok: true; status: number } | { ok: false; gone: boolean; status: number | null; error?: string };

const TIMEOUT_MS = 10_000;

/**
 * One push: the payload encrypted for the subscription (RFC 8291,
 * aes128gcm) and signed with the VAPID key (RFC 8292) by `web-push`'s
 * `generateRequestDetails`; the request made here rather than by its
 * `sendNotification`, so that it goes through the SSRF filter (the URL
 * again, and every address it resolves to) and may use plain HTTP for a
 * host the policy allows (the test suite's receiver).
 */
export function deliver(target: PushTarget, message: PushMessage, vapid: VapidKeys, policy: OutboundPolicy): Promise<DeliveryOutcome> {
  let url: URL;
  let details: ReturnType<typeof webpush.generateRequestDetails>;
  try {
    url = checkOutboundUrl(target.endpoint, policy);
    details = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, message.payload, {
      vapidDetails: vapid,
      TTL: message.ttlSeconds,
      topic: message.topic,
      urgency: message.urgency,
      contentEncoding: "aes128gcm",
    });
  } catch (err) {
    return Promise.resolve({ ok: false, gone: false, status: null, error: err instanceof Error ? err.message : String(err) });
  }
  const lib = url.protocol === "http:" ? http : https;
  return new Promise((resolve) => {
    const req = lib.request(
      url,
      { method: "POST", headers: details.headers as http.OutgoingHttpHeaders, lookup: guardedLookup(policy), timeout: TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, gone: status === 404 || status === 410, status });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("push service timed out")));
    req.on("error", (err) => resolve({ ok: false, gone: false, status: null, error: err.message }));
    req.end(details.body ?? undefined);
  });
}

export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
