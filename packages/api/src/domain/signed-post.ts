import http from "node:http";
import https from "node:https";
import { checkOutboundUrl, guardedLookup, integrationPolicy } from "./outbound.ts";
import { signature } from "./outgoing.ts";

const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SignedReply {
  status: number;
  body: string;
}

/**
 * One POST of Parley's to an integration (outgoing webhooks, custom slash
 * commands): signed (`X-Parley-Timestamp`, `X-Parley-Signature`), through
 * the one SSRF filter (domain/outbound.ts, the integrations' policy: private,
 * loopback and link-local addresses refused, on the URL and at connect time,
 * unless `allowHosts` lists them), with a deadline for the whole answer and
 * the answer's body capped.
 */
export function signedPost(o: {
  url: string;
  secret: string;
  body: string;
  nowMs: number;
  timeoutMs: number;
  allowHosts: readonly string[];
  headers?: Record<string, string>;
}): Promise<SignedReply> {
  const timestamp = String(Math.floor(o.nowMs / 1000));
  const policy = integrationPolicy(o.allowHosts);
  let target: URL;
  try {
    // An IP literal is never looked up, so the URL itself is checked too.
    target = checkOutboundUrl(o.url, policy);
  } catch (err) {
    return Promise.reject(err);
  }
  const lib = target.protocol === "https:" ? https : http;
  return new Promise<SignedReply>((resolve, reject) => {
    const req = lib.request(target, {
      method: "POST",
      lookup: guardedLookup(policy),
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(o.body),
        "user-agent": "Parley-Integrations",
        "x-parley-timestamp": timestamp,
        "x-parley-signature": signature(o.secret, timestamp, o.body),
        ...o.headers,
      },
    });
    // The deadline covers connecting, waiting and reading the answer.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
      });
      res.on("end", () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", (err) => {
        clearTimeout(deadline);
        reject(err);
      });
    });
    req.on("error", (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.end(o.body);
  });
}
